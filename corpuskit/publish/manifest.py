"""The manifest (``manifest.json``) and the other metadata files of a version folder.

``manifest.json`` lists every file of the folder with its sha256 and size, the
row counts, the input files with their sha256, the full resolved pipeline
configuration, per-step counts and the versions of the software that built it.
Nothing in it depends on the clock or the machine, so a rebuild from the same
inputs and configuration is byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import metadata

import tomli_w

from corpuskit.publish.card import arrow_nbytes, render_card, ship_license_file

MANIFEST = "manifest.json"
CONFIG_COPY = "corpuskit.toml"
CARD = "README.md"
FORMAT_VERSION = 1


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_digests(folder: str) -> dict[str, str]:
    """sha256 of every file under ``folder``, keyed by its ``/``-separated relative path."""
    digests = {}
    for directory, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = os.path.join(directory, name)
            if os.path.islink(path) or not (name in dirs or os.path.isfile(path)):
                digests[_rel(path, folder)] = "not a regular file"  # never followed or opened
            elif name in names:
                digests[_rel(path, folder)] = sha256_file(path)
    return digests


def software_versions() -> dict[str, str]:
    versions = {}
    # every package the published bytes depend on (py3langid: detect_language's coverage guard)
    for package in ("corpuskit", "ftfy", "langdetect", "py3langid", "charset-normalizer", "datasets",
                    "pyarrow", "matplotlib"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "unknown"
    versions["python"] = f"{sys.version_info.major}.{sys.version_info.minor}"
    return versions


def describe_input(source) -> dict:
    described = {
        "path": source.path,
        "sha256": source.sha256,
        "bytes": os.path.getsize(source.abspath),
        "encoding": source.encoding,
        "encoding_chosen_by": source.chosen_by,  # utf-8, bom, declared, detected, ...
    }
    if source.confidence is not None:
        described["encoding_confidence"] = source.confidence
    return described


def _rel(path: str, folder: str) -> str:
    return os.path.relpath(path, folder).replace(os.sep, "/")


def write_metadata(folder: str, *, config, data_files, removed_files, schema, rows, removed_rows,
                   stats, inputs, removed_reasons, skipped, concurrent: bool = False) -> None:
    """The card, the configuration's copy and the manifest of the staged version in ``folder``.

    ``concurrent`` (a build with more than one worker's CPU budget): the card's features
    (``datasets``' own YAML, made in a child process: see
    :func:`~corpuskit.publish.card.features_yamls`) are made while this process reads the
    data's sizes and statistics and the picture is drawn in its own child, so the two
    children run beside the work instead of one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    from corpuskit.publish.card import features_yamls
    from corpuskit.publish.schema import removed_schema

    schemas = [schema] + ([removed_schema()] if removed_files else [])
    pool = ThreadPoolExecutor(max_workers=1) if concurrent else None
    try:
        features = pool.submit(features_yamls, schemas) if pool else None
        configs = [{
            "name": "default",
            "data_files": [("train", _paths(data_files, folder))],
            "schema": schema,
            "splits": {"train": (rows, arrow_nbytes(data_files))},
            "download_size": sum(os.path.getsize(p) for p in data_files),
        }]
        if removed_files:
            configs.append({
                "name": "removed",
                "data_files": [("train", _paths(removed_files, folder))],
                "schema": schemas[1],
                "splits": {"train": (removed_rows, arrow_nbytes(removed_files))},
                "download_size": sum(os.path.getsize(p) for p in removed_files),
            })
        ship_license_file(config, folder)
        statistics = _statistics(folder, data_files, config)
        card = render_card(config=config, configs=configs, stats=stats, inputs=inputs,
                           removed_reasons=removed_reasons, statistics=statistics,
                           features=features.result() if features else None)
    finally:
        if pool:
            pool.shutdown()
    relaxed = relaxed_checks(config)
    card += _relaxed_section(relaxed)
    with open(os.path.join(folder, CARD), "w", encoding="utf-8") as handle:
        handle.write(card)
    resolved = config.to_dict()
    with open(os.path.join(folder, CONFIG_COPY), "wb") as handle:
        handle.write(b"# Resolved configuration this version was built with (corpuskit).\n")
        handle.write(tomli_w.dumps(_toml_safe(resolved)).encode("utf-8"))
    files = []
    for directory, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            files.append({"path": _rel(path, folder), "sha256": sha256_file(path),
                          "bytes": os.path.getsize(path)})
    files.sort(key=lambda f: f["path"])
    manifest = {
        "format": FORMAT_VERSION,
        "name": config.name,
        "version": config.version,
        "pretty_name": config.pretty_name,
        "rows": {"default": rows, "removed": removed_rows},
        "removed_by_reason": dict(sorted(removed_reasons.items())),
        "files": files,
        "inputs": inputs,
        "config": resolved,
        "steps": stats,
        "skipped_chunks": skipped,
        "software": software_versions(),
    }
    if relaxed:
        manifest["gate"] = {"relaxed": relaxed}
    with open(os.path.join(folder, MANIFEST), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


def relaxed_checks(config) -> dict:
    """The gate relaxations ``[check]`` sets (none by default): recorded where users look."""
    relaxed = {}
    if config.check.get("skip"):
        relaxed["skip"] = list(config.check["skip"])
    if config.check.get("allow_empty") is True:
        relaxed["allow_empty"] = True
    return relaxed


def _relaxed_section(relaxed: dict) -> str:
    if not relaxed:
        return ""
    lines = ["", "## Relaxed quality checks", "",
             "This version was published with parts of the `corpuskit check` gate relaxed by its "
             "configuration (`[check]` in `corpuskit.toml`):", ""]
    lines += [f"- not checked: `{name}`" for name in relaxed.get("skip", [])]
    if relaxed.get("allow_empty"):
        lines.append("- an empty dataset may be published (`allow_empty = true`)")
    return "\n".join(lines) + "\n"


def _statistics(folder: str, data_files, config) -> list[str]:
    """The card's statistics sections, and their picture (written into ``folder``, if matplotlib is there)."""
    from corpuskit.publish import croissant, stats

    numbers = stats.statistics(data_files)
    return stats.card_lines(numbers, croissant.citation(config), stats.picture(folder, numbers))


def _paths(paths, folder):
    rel = sorted(_rel(p, folder) for p in paths)
    return rel[0] if len(rel) == 1 else rel


def _toml_safe(value):
    if isinstance(value, dict):
        return {k: _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_safe(v) for v in value]
    return value


def read_manifest(folder: str) -> dict:
    with open(os.path.join(folder, MANIFEST), encoding="utf-8") as handle:
        return json.load(handle)
