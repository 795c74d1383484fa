"""Rebuilt with other software: ``check --rebuild`` says so and compares records by content."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq

from corpuskit._check import run_checks
from corpuskit.release.content import compare_content, software_differences

from helpers import DIST, ROOT

COMMITTED = DIST / "nagorno-karabakh-2020" / "1.1.0"


def _copy(tmp_path, software=None):
    root = tmp_path / "project"
    shutil.copytree(ROOT / "seeds", root / "seeds")
    shutil.copy(ROOT / "DATA-NOTICE.md", root / "DATA-NOTICE.md")
    folder = root / "dist" / "nagorno-karabakh-2020" / "1.1.0"
    shutil.copytree(COMMITTED, folder)
    if software:
        path = folder / "manifest.json"
        manifest = json.loads(path.read_text())
        manifest["software"].update(software)
        path.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return folder


def test_other_software_is_named_and_records_compared_by_content(tmp_path):
    folder = _copy(tmp_path, {"pyarrow": "1.0.0"})
    assert "pyarrow 1.0.0 -> " in "; ".join(software_differences(json.loads((folder / "manifest.json")
                                                                                .read_text())["software"]))
    result = run_checks(str(folder), rebuild=True, load=False, only=["reproducible"]).get("reproducible")
    assert result.status == "warn", result.line()
    assert "pyarrow 1.0.0 -> " in result.warnings[0].reason and "compared by content" in result.warnings[0].reason


def test_content_comparison_finds_an_edited_record(tmp_path):
    folder = _copy(tmp_path)
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    path = other / "data" / "train-00000-of-00001.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[1]["outlet"] = "Someone Else"
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    assert compare_content(str(folder), str(other)) == [(f"{rows[1]['id']} (default)", "rebuild differs in outlet")]
    assert compare_content(str(folder), str(folder)) == []
