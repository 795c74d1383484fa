"""``corpuskit check``: the gate passes a good dataset, and every check can fail on its own.

One good dataset is built per session from the project's config and seeds. Each
test copies that project, tampers with the published folder, re-seals the
manifest and card counts (unless the tamper is about them) so that only the
check under test sees a problem, and runs the CLI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from corpuskit.cli import main
from corpuskit._check.folder import open_folder
from corpuskit.publish import croissant
from corpuskit.release import RELEASE_FILES, changelog_text

from helpers import SEED_DIR, copy_project

NAME = "nagorno-karabakh-2020"


# -- the good dataset ----------------------------------------------------------


@pytest.fixture(scope="session")
def good_project(tmp_path_factory) -> Path:
    from corpuskit._build import build
    from corpuskit.config import load_config

    project = tmp_path_factory.mktemp("good-project")
    copy_project(project)
    config = load_config(root=str(project))
    result = build(config, workers=1)
    assert Path(result.folder) == project / "dist" / config.name / config.version
    return project


@pytest.fixture
def folder(good_project, tmp_path) -> Path:
    """A private copy of the good project; returns its published version folder."""
    copy = tmp_path / "project"
    shutil.copytree(good_project, copy)
    return next((copy / "dist" / NAME).iterdir())


# -- tampering helpers ---------------------------------------------------------


def parquet_path(folder: Path, config: str = "default") -> Path:
    return next((folder / ("data" if config == "default" else config)).glob("*.parquet"))


def read_rows(folder: Path, config: str = "default") -> list[dict]:
    return pq.read_table(parquet_path(folder, config)).to_pylist()


def write_rows(folder: Path, rows: list[dict], config: str = "default", schema=None) -> None:
    path = parquet_path(folder, config)
    schema = schema or pq.read_schema(path)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, compression="zstd")
    reseal(folder)


def split_card(folder: Path) -> tuple[dict, str]:
    text = (folder / "README.md").read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    return yaml.safe_load(match.group(1)), text[match.end():]


def write_card(folder: Path, meta: dict, body: str) -> None:
    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    (folder / "README.md").write_text(f"---\n{dumped}---\n{body}", encoding="utf-8")


def reseal(folder: Path, counts: bool = True) -> None:
    """Make the card's counts and the manifest agree with the files again."""
    from corpuskit.publish.card import arrow_nbytes
    from corpuskit.publish.manifest import sha256_file

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if counts:
        meta, body = split_card(folder)
        for info in meta["dataset_info"]:
            name = info["config_name"]
            files = [folder / p for c in meta["configs"] if c["config_name"] == name
                     for d in c["data_files"] for p in ([d["path"]] if isinstance(d["path"], str) else d["path"])]
            files = [f for f in files if f.exists()]
            rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
            size = sum(f.stat().st_size for f in files)
            arrow = arrow_nbytes([str(f) for f in files])
            info["splits"] = [{"name": "train", "num_bytes": arrow, "num_examples": rows}]
            info["download_size"], info["dataset_size"] = size, arrow
            manifest["rows"][name] = rows
        write_card(folder, meta, body)
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in ("manifest.json", *RELEASE_FILES):
            files.append({"path": rel, "sha256": sha256_file(str(path)), "bytes": path.stat().st_size})
    manifest["files"] = files
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")
    if counts:  # the changelog states the counts too
        (folder / "CHANGELOG.md").write_text(changelog_text(str(folder), None), encoding="utf-8")
    version = open_folder(str(folder))  # croissant.json lists the manifest's files and checksums
    if version.config is not None:
        (folder / "croissant.json").write_text(croissant.render(str(folder), version.config), encoding="utf-8")


def edit_row(folder: Path, index: int = 0, config: str = "default", **changes) -> dict:
    rows = read_rows(folder, config)
    rows[index].update(changes)
    write_rows(folder, rows, config)
    return rows[index]


def check(folder, *args, tmp_path=None):
    """Run the CLI; return (result, JSON report)."""
    report_path = Path(tmp_path or folder.parent) / "report.json"
    result = CliRunner().invoke(main, ["check", str(folder), "--json", str(report_path), *args])
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return result, report


def failed(report: dict) -> set[str]:
    return {c["name"] for c in report["checks"] if c["status"] == "fail"}


def problems(report: dict, name: str) -> str:
    check_ = next(c for c in report["checks"] if c["name"] == name)
    return " | ".join(f"{p['item']}: {p['reason']}" for p in check_["problems"])


def assert_only(folder, expected: set[str], *fragments, args=()):
    """Exactly the ``expected`` checks fail, exit 1, and the summary names the problem."""
    result, report = check(folder, *args)
    assert result.exit_code == 1, result.output
    # provenance.replay also sees any edit of a record's fields (tests/test_replay.py tests it)
    assert failed(report) - ({"provenance.replay"} - expected) == expected, result.output
    for name in expected:
        assert f"FAIL {name}" in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)
    return result, report


# -- the good dataset passes ---------------------------------------------------


def test_good_dataset_passes_every_check(folder):
    result, report = check(folder)
    assert result.exit_code == 0, result.output
    assert report["ok"] and not failed(report)
    names = {c["name"] for c in report["checks"]}
    assert {"card.yaml", "files.checksums", "loads", "records.near_duplicates",
            "provenance.spans"} <= names
    assert all(c["status"] == "pass" for c in report["checks"]), result.output
    assert result.output.splitlines()[-1].startswith("OK: ")


def test_good_dataset_rebuilds_byte_identical(folder):
    result, report = check(folder, "--rebuild")
    assert result.exit_code == 0, result.output
    assert "PASS reproducible" in result.output


def test_run_from_the_project_root_with_a_relative_path(folder, chdir):
    chdir(folder.parents[2])
    result = CliRunner().invoke(main, ["check", f"dist/{NAME}/{folder.name}", "--no-load"])
    assert result.exit_code == 0, result.output


def test_library_api_returns_a_report(folder):
    from corpuskit._check import run_checks

    report = run_checks(str(folder), load=False, only=["records"])
    assert report.ok and report.exit_code == 0
    assert {r.family for r in report.results} == {"records"}
    assert "records.ids" in report.render()


def test_heavy_import_checks_run_last_and_report_in_their_place(folder, monkeypatch):
    """files.schema and release.croissant (datasets, mlcroissant) run after the shared pass;
    the report is the one made with every check run in its documented order."""
    import corpuskit._check as check_mod

    seen = []
    report = check_mod.run_checks(str(folder), load=False, progress=lambda result: seen.append(result.name))
    monkeypatch.setattr(check_mod, "LAST", ())
    in_order = check_mod.run_checks(str(folder), load=False)
    names = [r.name for r in report.results]
    assert names == [r.name for r in in_order.results] and {"files.schema", "release.croissant"} <= set(names)
    assert [(r.name, r.status, r.problems) for r in report.results] == \
        [(r.name, r.status, r.problems) for r in in_order.results]
    assert seen[-2:] == ["files.schema", "release.croissant"] and sorted(seen) == sorted(names)


# -- card ------------------------------------------------------------------------


def test_duplicate_yaml_key_fails_card_yaml(folder):
    text = (folder / "README.md").read_text(encoding="utf-8")
    (folder / "README.md").write_text(text.replace("license: other\n", "license: other\nlicense: mit\n", 1),
                                      encoding="utf-8")
    reseal(folder, counts=False)
    # datasets itself loads this card: only the strict loader sees the repeated key
    _, report = assert_only(folder, {"card.yaml"}, "duplicate key 'license'")
    assert next(c for c in report["checks"] if c["name"] == "card.enums")["status"] == "skip"


@pytest.mark.parametrize("placeholder, shown", [
    ("[More Information Needed]", "More Information Needed"),
    ("Cite as {{ citation }}.", "unfilled template variable"),
    ("Curated by <your name>.", "<your name>"),
    ("TODO: write the citation", "to-do marker"),
])
def test_placeholder_text_fails_card_placeholders(folder, placeholder, shown):
    with open(folder / "README.md", "a", encoding="utf-8") as handle:
        handle.write(f"\n## Citation\n\n{placeholder}\n")
    reseal(folder, counts=False)
    assert_only(folder, {"card.placeholders"}, shown)


@pytest.mark.parametrize("key, value, shown", [
    ("license", "mit-ish", "'mit-ish' is not a valid Hub value"),
    ("task_categories", ["text-generation", "news-reading"], "'news-reading'"),
    ("language", ["english"], "'english' is not an ISO 639-1"),
])
def test_invalid_hub_enumeration_fails_card_enums(folder, key, value, shown):
    meta, body = split_card(folder)
    meta[key] = value
    write_card(folder, meta, body)
    reseal(folder, counts=False)
    assert_only(folder, {"card.enums"}, shown)


def test_wrong_size_category_fails_card_size_category(folder):
    meta, body = split_card(folder)
    meta["size_categories"] = ["1K<n<10K"]
    write_card(folder, meta, body)
    reseal(folder, counts=False)
    assert_only(folder, {"card.size_category"}, "5 rows mean ['n<1K']")


def test_unreferenced_data_file_fails_card_configs(folder):
    shutil.copy(parquet_path(folder), folder / "data" / "train-extra.parquet")
    reseal(folder, counts=False)
    assert_only(folder, {"card.configs"}, "data/train-extra.parquet: data file not referenced")


def test_missing_data_file_fails_card_configs_and_inventory(folder):
    parquet_path(folder, "removed").unlink()
    _, report = check(folder)
    assert {"card.configs", "files.inventory"} <= failed(report)
    assert "listed in config 'removed' but missing" in problems(report, "card.configs")
    assert "listed in the manifest but missing" in problems(report, "files.inventory")


# -- files -----------------------------------------------------------------------


def test_edited_parquet_without_reseal_fails_checksums(folder):
    rows = read_rows(folder)
    rows[0]["outlet"] = "Someone Else"
    path = parquet_path(folder)
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path, compression="zstd")
    # the card's sizes no longer describe the data either
    assert_only(folder, {"files.checksums", "card.sizes"}, "data/train-00000-of-00001.parquet")


def test_wrong_checksum_fails_checksums(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][0]["sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert_only(folder, {"files.checksums"}, "manifest says 000000000000")


def test_extra_file_fails_inventory(folder):
    (folder / "notes.txt").write_text("not part of the release\n")
    assert_only(folder, {"files.inventory"}, "notes.txt: extra file")


def test_wrong_count_in_card_fails_counts_and_load(folder):
    meta, body = split_card(folder)
    meta["dataset_info"][0]["splits"][0]["num_examples"] += 1
    write_card(folder, meta, body)
    reseal(folder, counts=False)
    _, report = assert_only(folder, {"files.counts", "loads"}, "card says 6 rows, parquet has 5")
    assert "load_dataset failed" in problems(report, "loads")


def test_schema_drift_fails_schema(folder):
    path = parquet_path(folder)
    table = pq.read_table(path)
    drifted = table.set_column(table.schema.get_field_index("language_score"), "language_score",
                               table.column("language_score").cast(pa.float32()))
    pq.write_table(drifted, path, compression="zstd")
    reseal(folder)
    result, report = check(folder)
    assert result.exit_code == 1
    assert "files.schema" in failed(report) and failed(report) <= {"files.schema", "loads"}
    assert re.search(r"language_score: declared Value\((dtype=)?'float64'", problems(report, "files.schema"))


def test_wrong_version_folder_name_fails_version(folder):
    renamed = folder.with_name("9.9.9")
    folder.rename(renamed)
    assert_only(renamed, {"files.version"}, "the folder is '9.9.9'")


def test_out_folder_not_named_by_version_is_a_warning_not_a_failure(folder):
    custom = folder.parent.parent / "my-build"
    folder.rename(custom)
    result = CliRunner().invoke(main, ["check", str(custom), "--no-load"])
    assert result.exit_code == 0, result.output
    assert "WARN files.version" in result.output and "'my-build' is not named by its version" in result.output
    strict = CliRunner().invoke(main, ["check", str(custom), "--no-load", "--strict"])
    assert strict.exit_code == 1


def test_config_copy_differing_from_manifest_fails_config(folder):
    path = folder / "corpuskit.toml"
    path.write_text(path.read_text().replace("min_chars = 40", "min_chars = 10"))
    reseal(folder, counts=False)
    assert_only(folder, {"files.config"}, "differs from the manifest's config in: check")


# -- records ---------------------------------------------------------------------


def test_duplicate_row_fails_exact_duplicates(folder):
    rows = read_rows(folder)
    copy_provenance = dict(rows[0]["provenance"], merged=[])
    rows.append(dict(rows[0], id=rows[0]["id"] + "-9", provenance=copy_provenance))
    write_rows(folder, rows)
    assert_only(folder, {"records.exact_duplicates"}, f"exact duplicate of {rows[0]['id']}")


def test_a_copy_differing_in_case_punctuation_spacing_and_compatibility_forms_fails_exact_duplicates(folder):
    """The same words after NFKC and case folding are the same text: full-width letters, a
    ligature, no-break and doubled spaces, other punctuation and capitals make no new article."""
    rows = read_rows(folder)
    words = rows[0]["text"].split(" ")
    words[0] = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in words[0])  # full-width
    altered = "\u00a0 ".join(w.upper() if i % 3 else w for i, w in enumerate(words))
    altered = altered.replace("fi", "\ufb01").replace(",", " ;").replace(".", "\u2026") + " ..."
    assert altered != rows[0]["text"]
    copy_provenance = dict(rows[0]["provenance"], merged=[])
    rows.append(dict(rows[0], id=rows[0]["id"] + "-9", text=altered, provenance=copy_provenance))
    write_rows(folder, rows)
    assert_only(folder, {"records.exact_duplicates"}, f"{rows[0]['id']}-9: exact duplicate of {rows[0]['id']}")


def test_near_duplicate_row_fails_near_duplicates(folder):
    rows = read_rows(folder)
    words = rows[0]["text"].split(" ")
    words[len(words) // 2] = "meanwhile"
    copy_provenance = dict(rows[0]["provenance"], merged=[])
    rows.append(dict(rows[0], id=rows[0]["id"] + "-9", text=" ".join(words), provenance=copy_provenance))
    write_rows(folder, rows)
    # the dedup engine (the build's definition) names the copy and what it copies
    _, report = assert_only(folder, {"records.near_duplicates"}, f"{rows[0]['id']}-9: ")
    assert f"copy of {rows[0]['id']}" in problems(report, "records.near_duplicates")


def test_mojibake_row_fails_mojibake(folder):
    rows = read_rows(folder)
    edit_row(folder, 1, text=rows[1]["text"] + "\n\nThe ministry\u00e2\u20ac\u2122s statement came later.")
    assert_only(folder, {"records.mojibake"}, f"{rows[1]['id']}: mojibake in text")


def test_variant_left_in_fails_variants(folder):
    rows = read_rows(folder)
    index = next(i for i, r in enumerate(rows) if "Nagorno" in r["text"])
    edit_row(folder, index, text=rows[index]["text"].replace("Nagorno", "Nargono"))
    assert_only(folder, {"records.variants"}, "variant left in: Nargono -> Nagorno")


def test_boilerplate_left_in_fails_boilerplate(folder):
    rows = read_rows(folder)
    edit_row(folder, 2, text=rows[2]["text"] + "\n\n(Reporting by Jane Doe; Editing by John Roe)")
    assert_only(folder, {"records.boilerplate"}, "reporting_trailer")


def test_merged_digest_article_fails_header_blocks(folder):
    rows = read_rows(folder)
    merged = rows[2]["text"] + "\n\nCouncil Votes on Budget\n\nDaily Courier\n\nMonday, September 28, 2020\n\nIt passed."
    edit_row(folder, 2, text=merged)
    assert_only(folder, {"records.header_blocks"},
                f"{rows[2]['id']}: body holds an article header ('Council Votes on Budget / Daily Courier")


def test_a_date_paragraph_in_a_body_is_not_a_header_block(folder):
    rows = read_rows(folder)
    edit_row(folder, 2, text=rows[2]["text"] + "\n\nThe vote was held on\n\nMonday, September 28, 2020.")
    code, report = check(folder)
    assert "records.header_blocks" not in failed(report)


def test_language_not_allowed_fails_languages(folder):
    rows = read_rows(folder)
    edit_row(folder, 0, language="fr")
    assert_only(folder, {"records.languages"}, f"{rows[0]['id']}: language 'fr' not in ['en']")


def test_the_builds_gate_runs_no_language_detector_and_still_fails_a_label_not_allowed(folder, monkeypatch):
    """The detector's verdict is only ever a warning, and the gate decides on failures: it must
    not run it (the costliest per-record work of the checks); the label test still fails."""
    from corpuskit._check import run_checks
    from corpuskit._check.gate import GateError, run_gate
    from corpuskit.config import load_config

    def no_detector(*args, **kwargs):
        raise AssertionError("the detector ran")

    monkeypatch.setattr("corpuskit.steps.language.detect_many", no_detector)
    config = load_config(root=str(folder.parents[2]))
    run_gate(config, str(folder))  # passes: nothing fails, and no warning is looked for
    full = run_checks(str(folder), load=False, only=["records.languages"])
    assert "crashed: AssertionError: the detector ran" in full.render()  # the full check does run it
    rows = read_rows(folder)
    edit_row(folder, 0, language="fr")
    with pytest.raises(GateError, match=f"FAIL records.languages.*{rows[0]['id']}: language 'fr' not in"):
        run_gate(config, str(folder))


def test_a_report_without_warnings_says_so_and_refuses_strict(folder):
    from corpuskit._check import run_checks

    report = run_checks(str(folder), load=False, warnings=False, only=["records"])
    assert report.render().splitlines()[-1].startswith("OK: 11 checks passed, 0 failed, warnings not evaluated")
    with pytest.raises(ValueError, match="strict"):
        run_checks(str(folder), load=False, warnings=False, strict=True)


def test_short_text_fails_min_chars(folder):
    rows = read_rows(folder)
    edit_row(folder, 3, text="Fighting continued.")
    assert_only(folder, {"records.min_chars"}, f"{rows[3]['id']}: text is 19 characters, minimum 40")


def test_min_chars_option_overrides_the_recorded_threshold(folder):
    assert_only(folder, {"records.min_chars"}, "minimum 100000", args=("--min-chars", "100000"))


def test_empty_title_fails_required(folder):
    rows = read_rows(folder)
    edit_row(folder, 0, title="  ")
    assert_only(folder, {"records.required"}, f"{rows[0]['id']}: empty title")


def _rename(folder: Path, index: int, new_id: str) -> None:
    """Give a record a new id, keeping its removed copies pointing at it."""
    old = read_rows(folder)[index]["id"]
    removed = read_rows(folder, "removed")
    for row in removed:
        if row["removed"]["duplicate_of"] == old:
            row["removed"] = dict(row["removed"], duplicate_of=new_id)
    write_rows(folder, removed, "removed")
    edit_row(folder, index, id=new_id)


def test_malformed_id_fails_ids(folder):
    _rename(folder, 0, "bad id")
    assert_only(folder, {"records.ids"}, "row 0: malformed id 'bad id'")


@pytest.mark.parametrize("date", ["Feb 30 2020", "2020-09-28T00:00:00", "28/09/2020", "2020-02-30"])
def test_date_that_is_not_iso_fails_dates(folder, date):
    row = edit_row(folder, 0, date=date)
    assert_only(folder, {"records.dates"}, f"{row['id']}: date {date!r} is not ISO YYYY-MM-DD")


@pytest.mark.parametrize("key, value, shown", [
    ("num_bytes", 22059, "split 'train' num_bytes 22059, the data is"),
    ("dataset_size", 1, "dataset_size 1 is not the sum of the splits' num_bytes"),
    ("download_size", 5, "download_size 5, the data files hold"),
])
def test_wrong_card_size_fails_sizes(folder, key, value, shown):
    meta, body = split_card(folder)
    info = meta["dataset_info"][0]
    if key == "num_bytes":
        info["splits"][0]["num_bytes"] = info["dataset_size"] = value
    else:
        info[key] = value
    write_card(folder, meta, body)
    reseal(folder, counts=False)
    assert_only(folder, {"card.sizes"}, shown)


def test_repeated_id_fails_ids(folder):
    rows = read_rows(folder)
    _rename(folder, 1, rows[0]["id"])
    _, report = check(folder)
    assert "records.ids" in failed(report)
    assert f"{rows[0]['id']}: id repeated (rows 0 and 1)" in problems(report, "records.ids")


# -- provenance ------------------------------------------------------------------


def test_broken_line_span_fails_spans(folder):
    rows = read_rows(folder)
    prov = dict(rows[0]["provenance"], start_line=rows[0]["provenance"]["start_line"] + 1)
    edit_row(folder, 0, provenance=prov)
    assert_only(folder, {"provenance.spans"}, f"{rows[0]['id']}: byte span")


def test_span_of_another_article_fails_spans(folder):
    rows = read_rows(folder)
    other = rows[1]["provenance"]
    spans = {k: other[k] for k in ("start_line", "end_line", "start_byte", "end_byte")}
    edit_row(folder, 0, provenance=dict(rows[0]["provenance"], **spans))
    assert_only(folder, {"provenance.spans"}, "is not the content hash of the cited span")


def test_title_not_in_span_fails_spans(folder):
    edit_row(folder, 0, title="A headline that appears nowhere in the source")
    assert_only(folder, {"provenance.spans"}, "not in lines")


def test_broken_merged_span_fails_merged(folder):
    rows = read_rows(folder)
    index = next(i for i, r in enumerate(rows) if r["provenance"]["merged"])
    prov = rows[index]["provenance"]
    merged = [dict(prov["merged"][0], end_byte=prov["merged"][0]["end_byte"] - 3)] + prov["merged"][1:]
    edit_row(folder, index, provenance=dict(prov, merged=merged))
    assert_only(folder, {"provenance.merged"}, "does not match lines")


def test_edited_source_fails_sources(folder):
    source = folder.parents[2] / "seeds" / os.listdir(SEED_DIR)[0]
    source.chmod(0o644)
    source.write_bytes(source.read_bytes() + b"\n")
    assert_only(folder, {"provenance.sources"}, "record cites")


def test_source_not_shipped_is_a_warning_and_fails_with_strict(folder, chdir):
    chdir(folder.parents[3])  # not the repository, whose seeds/ would be found from the cwd
    shutil.rmtree(folder.parents[2] / "seeds")
    result, report = check(folder)
    assert result.exit_code == 0, result.output
    assert "WARN provenance.sources" in result.output and "not shipped" in result.output
    result, report = check(folder, "--strict")
    assert result.exit_code == 1
    assert report["failed"] == ["provenance.sources", "provenance.replay"]


# -- reproducible ----------------------------------------------------------------


def test_edited_row_resealed_fails_only_the_rebuild(folder):
    edit_row(folder, 0, outlet="Someone Else")
    result, report = check(folder)
    # a consistent forgery passes the static checks except the replay from its source...
    assert failed(report) == {"provenance.replay"}, result.output
    assert_only(folder, {"reproducible"}, "data/train-00000-of-00001.parquet: rebuild differs",
                args=("--rebuild", "--no-load"))  # ...but not the rebuild


def test_edited_recorded_config_fails_the_rebuild(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["config"]["variants"]["Caucasus"]
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    toml_path = folder / "corpuskit.toml"
    toml_path.write_text(re.sub(r'Caucasus = \[\n    "Caucuses",\n\]\n', "", toml_path.read_text()))
    reseal(folder, counts=False)
    assert_only(folder, {"reproducible"}, "rebuild differs", args=("--rebuild", "--no-load"))


# -- unreadable folders and the report --------------------------------------------


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "no such folder"),
    (lambda p: (p / "file.txt").write_text("x") and p / "file.txt", "not a folder"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no manifest.json"),
])
def test_unreadable_folder_exits_2(tmp_path, make, message):
    target = make(tmp_path)
    result = CliRunner().invoke(main, ["check", str(target)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_json_report_to_stdout_is_machine_readable(folder):
    result = CliRunner().invoke(main, ["check", str(folder), "--json", "-", "--no-load"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["failed"] == []
    assert set(report["counts"]) == {"pass", "fail", "warn", "skip"}
    first = report["checks"][0]
    assert set(first) == {"name", "status", "summary", "checked", "problems", "warnings", "seconds"}


def test_strict_yaml_loader_rejects_nested_duplicate_keys():
    from corpuskit._check.strict_yaml import strict_load

    with pytest.raises(yaml.YAMLError, match="duplicate key 'path'"):
        strict_load("configs:\n- config_name: default\n  path: a\n  path: b\n")
    assert strict_load("a: [1, 2]\nb: {c: 1}") == {"a": [1, 2], "b": {"c": 1}}


# -- streaming: the same findings whatever the batch and row group sizes ----------


FRENCH = ("Le gouvernement a annoncé mardi de nouvelles mesures pour soutenir les entreprises touchées "
          "par la crise, selon un communiqué publié dans la soirée par le ministère. ") * 3


def test_findings_do_not_depend_on_batches_row_groups_or_workers(folder, monkeypatch):
    """Problems of most record and provenance checks at once, in a file of 2-row groups,
    checked in batches of 1,000 in this process and in batches of 1 group and 3 rows shared with 1
    and 2 worker processes: the per-record checks' parts are merged in row order, so the
    JSON report must be the same (a part merged out of order or twice changes it)."""
    from corpuskit._check import folder as folder_mod
    from corpuskit._check import run_checks

    rows = read_rows(folder)
    rows.append(dict(rows[0], id=rows[0]["id"] + "-9", provenance=dict(rows[0]["provenance"], merged=[])))
    rows[3] = dict(rows[3], id=rows[1]["id"])  # a repeated id, two groups apart
    rows[4] = dict(rows[4], title="A headline that appears nowhere in the source")
    prov = rows[5]["provenance"]
    rows[5] = dict(rows[5], provenance=dict(prov, start_line=prov["start_line"] + 1))
    rows[1] = dict(rows[1], language="fr")
    rows[2] = dict(rows[2], text=rows[2]["text"] + "\n\nThe ministry\u00e2\u20ac\u2122s statement came later.")
    rows[3] = dict(rows[3], text=rows[3]["text"] + "\n\n(Reporting by Jane Doe; Editing by John Roe)")
    rows[4] = dict(rows[4], text="Fighting continued.")
    rows[2] = dict(rows[2], text=FRENCH + rows[2]["text"][-50:])  # warnings: the detector disagrees with
    rows[0] = dict(rows[0], language_score=0.5)  # the label; a low score
    path = parquet_path(folder)
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path, compression="zstd",
                   row_group_size=2)
    reseal(folder)

    def report(workers, warnings=True):
        found = run_checks(str(folder), load=False, workers=workers, warnings=warnings).to_dict()
        del found["seconds"]
        for result in found["checks"]:
            del result["seconds"]
        return json.dumps(found, indent=1)

    whole, gate = report(1), report(1, warnings=False)
    for batch, workers in ((1, 2), (3, 3)):
        monkeypatch.setattr(folder_mod, "BATCH_ROWS", batch)
        assert report(workers) == whole
        assert report(workers, warnings=False) == gate
    # the build's gate (no warnings) fails exactly the checks, with exactly the problems, of the full run
    assert [(c["name"], c["status"] if c["status"] != "warn" else "pass", c["problems"])
            for c in json.loads(whole)["checks"]] == \
        [(c["name"], c["status"], c["problems"]) for c in json.loads(gate)["checks"]]
    assert not any(c["warnings"] for c in json.loads(gate)["checks"])
    warned = {p["reason"].split(",")[0] for c in json.loads(whole)["checks"] if c["name"] == "records.languages"
              for p in c["warnings"]}
    assert warned == {"labelled 'en'", "language_score 0.5 below 0.8"}
    found = json.loads(whole)
    failing = {c["name"] for c in found["checks"] if c["status"] == "fail"}
    assert {"records.ids", "records.exact_duplicates", "records.mojibake", "records.languages",
            "records.min_chars", "records.boilerplate", "provenance.spans", "provenance.replay"} <= failing
    listed = " | ".join(f"{p['item']}: {p['reason']}" for c in found["checks"] for p in c["problems"])
    assert f"{rows[1]['id']}: id repeated (rows 1 and 3)" in listed
    assert f"{rows[0]['id']}-9: exact duplicate of {rows[0]['id']}" in listed
    assert f"{rows[4]['id']}: title 'A headline" in listed
    assert f"{rows[1]['id']}: language 'fr' not in ['en']" in listed


@pytest.mark.parametrize("data", [
    b"first line\nsecond \xc3\xa9 line\n\nlast without newline",
    b"\xef\xbb\xbfwith a byte-order mark\r\nand CRLF\r\n",
    b"ends with a newline\n",
])
def test_streamed_source_cites_spans_like_the_whole_file(tmp_path, data):
    """The gate reads a plain UTF-8 source as line offsets; lines and byte spans must be
    what the whole decoded file gives."""
    from corpuskit._check.provenance import _StreamedText
    from corpuskit.readers.compression import scan_plain
    from corpuskit.readers.source import load_source

    path = tmp_path / "source.txt"
    path.write_bytes(data)
    whole = load_source(str(path), str(tmp_path))
    _, streamable, bom = scan_plain(str(path), "source.txt")
    assert streamable
    streamed = _StreamedText(str(path), bom, len(data))
    assert len(streamed.lines) == len(whole.lines)
    for first in range(len(whole.lines)):
        for last in range(first, len(whole.lines)):
            assert streamed.lines[first:last + 1] == whole.lines[first:last + 1]
            assert streamed.byte_span(first, last) == whole.byte_span(first, last)


def test_the_provenance_checks_of_a_process_read_each_cited_source_once(good_project, monkeypatch):
    """``provenance.sources``, ``.spans`` and ``.merged`` (in one process here; on a worker in
    the gate) share the cited sources: each is hashed and its lines indexed once, not once
    per check (a pass over the source each: ~1.7 CPU-s at 200,000 articles)."""
    from corpuskit._check import run_checks
    from corpuskit.readers import compression

    scanned, scan_plain = [], compression.scan_plain
    monkeypatch.setattr(compression, "scan_plain", lambda path, shown: (scanned.append(path), scan_plain(path, shown))[1])
    folder = next((good_project / "dist" / NAME).iterdir())
    report = run_checks(str(folder), load=False, only=["provenance"], workers=1)
    assert [r.status for r in report.results] == ["pass"] * 4, report.render()
    assert scanned and sorted(scanned) == sorted(set(scanned))
