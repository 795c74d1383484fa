"""Published parquet: fixed 1,000-row groups, a page index, byte-identical on rebuild."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from corpuskit._build import build
from corpuskit.config import parse_config

from helpers import tree_digests


def test_row_groups_page_index_and_identical_rebuild(tmp_path):
    source = tmp_path / "many.jsonl"
    with open(source, "w", encoding="utf-8") as handle:
        for i in range(2500):
            handle.write(json.dumps({"id": f"r{i}", "title": f"Item {i}",
                                     "text": f"Report number {i} on  harbour traffic, {i * 7} ships."}) + "\n")
    config = parse_config({"name": "many", "version": "1.0.0",
                           "pipeline": [{"step": "normalize_whitespace"}]}, str(tmp_path))
    first = build(config, inputs=[str(source)], out=str(tmp_path / "a" / "1.0.0"), workers=1)
    second = build(config, inputs=[str(source)], out=str(tmp_path / "b" / "1.0.0"), workers=2)
    assert tree_digests(first.folder) == tree_digests(second.folder)
    meta = pq.ParquetFile(tmp_path / "a" / "1.0.0" / "data" / "train-00000-of-00001.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [1000, 1000, 500]
    column = meta.row_group(0).column(0)
    assert column.has_column_index and column.has_offset_index
