"""The dataset card (README.md): Hub YAML front matter plus honest prose."""

from __future__ import annotations

import os
import shutil

import yaml

from corpuskit._check.hub_enums import size_category
from corpuskit.config import is_url
from corpuskit.errors import ConfigError


def features_yamls(schemas: list) -> list[list]:
    """``dataset_info.features`` exactly as ``datasets`` writes it, for each schema: made by
    ``datasets`` in a short-lived child process unless this process has imported it already.

    ``import datasets`` costs a process ~60 MB (pandas, fsspec, ...) that it keeps until
    it exits. The build writes the card in its long-lived parent just before the gate,
    whose peak is that parent plus a worker: in a child (about a second of CPU, once per
    build), the memory is returned before the gate starts. The child runs ``datasets``
    itself, so the card is what ``datasets`` writes; if it cannot run, this process does it.
    """
    import sys

    if "datasets" not in sys.modules:
        made = _features_in_child(schemas)
        if made is not None:
            return made
    from datasets import Features

    return [Features.from_arrow_schema(schema)._to_yaml_list() for schema in schemas]


#: The child of :func:`features_yamls`: schemas (Arrow IPC, pickled) in, the YAML lists as JSON out.
_CHILD = """
import json, pickle
import pyarrow as pa
from datasets import Features
schemas = [pa.ipc.read_schema(pa.py_buffer(b)) for b in pickle.load(sys.stdin.buffer)]
json.dump([Features.from_arrow_schema(s)._to_yaml_list() for s in schemas], sys.stdout)
"""


def _features_in_child(schemas: list) -> list[list] | None:
    """The YAML lists from a child process (:func:`corpuskit._memory.run_in_child`); None
    when the child fails."""
    import pickle

    from corpuskit._memory import run_in_child

    return run_in_child(_CHILD, pickle.dumps([schema.serialize().to_pybytes() for schema in schemas]))


def arrow_nbytes(paths) -> int:
    """The size ``datasets`` gives a split of these parquet files: its Arrow size in memory.

    ``datasets`` reads a parquet file one row group at a time and adds up each
    table's ``nbytes`` (``ArrowWriter``); this reads the files the same way, so
    ``num_bytes`` and ``dataset_size`` on the card are the figures ``datasets``
    computes for the data, not the (compressed) size of the files.
    """
    import pyarrow.parquet as pq

    total = 0
    for path in paths:
        parquet = pq.ParquetFile(path)
        for group in range(parquet.metadata.num_row_groups):
            total += parquet.read_row_group(group).combine_chunks().nbytes
    return total


def ship_license_file(config, folder: str) -> None:
    """Copy the project file a relative ``license_link`` names beside the card (the card links it)."""
    link = config.license_link
    if config.license != "other" or not link or is_url(link):
        return
    source = config.license_file or os.path.join(config.root, link)
    if os.path.islink(source):
        raise ConfigError(f"license_link: {source} is a symlink; name the licence file itself")
    try:
        shutil.copyfile(source, os.path.join(folder, os.path.basename(link)))
    except OSError as exc:
        raise ConfigError(f"license_link: cannot ship {source} with the data ({exc.strerror})") from None


def front_matter(*, config, configs: list[dict], features: list[list] | None = None) -> dict:
    """configs: [{name, data_files: [{split, path}], schema, splits: {split: (rows, bytes)}}];
    ``features``: :func:`features_yamls` of their schemas, if made already."""
    info = []
    if features is None:
        features = features_yamls([item["schema"] for item in configs])
    for item, features in zip(configs, features):
        splits = [{"name": s, "num_bytes": b, "num_examples": n} for s, (n, b) in item["splits"].items()]
        info.append({
            "config_name": item["name"],
            "features": features,
            "splits": splits,
            "download_size": item["download_size"],
            "dataset_size": sum(b for _, b in item["splits"].values()),
        })
    rows = configs[0]["splits"]["train"][0]
    meta = {
        "pretty_name": config.pretty_name,
        "license": config.license,
        **_custom_license(config),
        "language": list(config.language),
        "size_categories": [size_category(rows)],
        "task_categories": list(config.task_categories),
        "tags": ["news", "corpuskit", "deduplicated"],
        "configs": [
            {
                "config_name": item["name"],
                **({"default": True} if item["name"] == "default" else {}),
                "data_files": [{"split": s, "path": p} for s, p in item["data_files"]],
            }
            for item in configs
        ],
        "dataset_info": info,
    }
    return meta


def _custom_license(config) -> dict:
    """``license_name``/``license_link``, which the Hub card spec asks for with ``license: other``."""
    if config.license != "other":
        return {}
    link = config.license_link
    return {"license_name": config.license_name,
            "license_link": link if is_url(link) else os.path.basename(link)}


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


FIELD_DOCS = [
    ("id", "string", "stable id: a hash of the article's raw bytes in its source (`-2`, `-3` for repeats)"),
    ("title", "string", "headline"),
    ("outlet", "string", "publication, null if unknown"),
    ("date", "string", "publication date, ISO `YYYY-MM-DD`, null if unknown"),
    ("time", "string", "publication time as given (`03:25 PM`), null if absent"),
    ("author", "string", "byline without `By`, null when there is none"),
    ("url", "string", "article URL from a `Watch all videos at` trailer, tracking parameters removed"),
    ("text", "string", "cleaned body; paragraphs separated by one blank line"),
    ("language", "string", "ISO 639-1 code from `detect_language`, `und` if undetermined"),
    ("language_score", "float64", "probability of that language"),
    ("provenance", "struct", "source file (path, sha256), line and byte span, steps that changed "
     "the record, each edit, and the copies merged into it with similarity and matching test"),
]


def hub_load_lines(config) -> list[str]:
    """With ``hub_repo`` set: how to load this exact version from the Hub (its ``v<version>`` tag)."""
    if not getattr(config, "hub_repo", None):
        return []
    return ["", "# from the Hugging Face Hub, pinned to this version",
            f"ds = load_dataset(\"{config.hub_repo}\", revision=\"v{config.version}\")"]


def render_card(*, config, configs: list[dict], stats: list[dict], inputs: list[dict],
                removed_reasons: dict[str, int], statistics: list[str] = (),
                features: list[list] | None = None) -> str:
    """``statistics``: the lines of the record statistics sections (``publish.stats.card_lines``);
    ``features``: as :func:`front_matter` takes them."""
    meta = front_matter(config=config, configs=configs, features=features)
    yaml_text = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    rows = configs[0]["splits"]["train"][0]
    removed_rows = sum(removed_reasons.values())
    step_rows = [
        [f"`{s['step']}`", s["records_in"], s["changed"], s["dropped"],
         ", ".join(f"{k}: {v}" for k, v in s["dropped_by_reason"].items()) or "–"]
        for s in stats
    ]
    detail_rows = []
    for s in stats:
        for key, value in s["counters"].items():
            detail_rows.append([f"`{s['step']}`", key, value])
    input_rows = [[f"`{i['path']}`", i["bytes"], f"`{i['sha256']}`"] for i in inputs]
    parts = [
        "---", yaml_text.rstrip(), "---", "",
        f"# {config.pretty_name}", "",
        "## Summary", "",
        (config.description.strip() + "\n") if config.description.strip() else "",
        f"{rows} cleaned, deduplicated news articles (version {config.version}), built by "
        f"corpuskit from {len(inputs)} source file(s). {removed_rows} input record(s) were removed; "
        "each is kept, with its reason, in the `removed` configuration.", "",
        "## Sources", "",
        _table(["file", "bytes", "sha256"], input_rows), "",
        "## How it was cleaned", "",
        "Pipeline steps, in order (configuration saved in `corpuskit.toml` and `manifest.json`):", "",
        _table(["step", "records in", "changed", "dropped", "dropped by reason"], step_rows), "",
    ]
    if detail_rows:
        parts += ["What the steps changed:", "", _table(["step", "change", "count"], detail_rows), ""]
    parts += [
        *statistics,
        "## Fields", "",
        _table(["field", "type", "meaning"], [[f"`{a}`", b, c] for a, b, c in FIELD_DOCS]), "",
        "## How to load", "",
        "```python",
        "from datasets import load_dataset",
        "",
        "# the folder that holds this card, e.g. dist/" + config.name + "/" + config.version,
        "folder = \"dist/" + config.name + "/" + config.version + "\"",
        "ds = load_dataset(folder)                     # the cleaned records (split: train)",
        "removed = load_dataset(folder, \"removed\")   # dropped copies and records, with reasons",
        *hub_load_lines(config),
        "```", "",
        "## Limitations", "",
        "- Text is as published by the outlets; copyright stays with them. Check the licence "
        "before redistributing.",
        "- Boilerplate removal is rule-based and conservative: unusual trailers or captions "
        "without a parenthesised credit stay in the text.",
        "- Spelling variants are normalised only for names in the lexicon; unknown variants stay.",
        "- Language labels come from a statistical detector and can be wrong on very short texts.",
        "- Duplicate detection merges copies of the same story; updated or rewritten "
        "versions of a story may remain as separate records.",
        "",
    ]
    return "\n".join(parts)
