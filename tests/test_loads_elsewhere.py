"""The committed dataset reads with other parquet readers too (run where they are installed;
neither is a dependency): polars and duckdb see the same rows and nested provenance."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from helpers import DIST

COMMITTED = DIST / "nagorno-karabakh-2020" / "1.1.0"
DATA = COMMITTED / "data" / "train-00000-of-00001.parquet"


def test_polars_reads_records_and_provenance():
    pl = pytest.importorskip("polars")
    frame = pl.read_parquet(DATA)
    rows = pq.read_table(DATA).to_pylist()
    assert frame["id"].to_list() == [r["id"] for r in rows]
    assert frame["text"].to_list() == [r["text"] for r in rows]
    merged = frame["provenance"].struct.field("merged").to_list()
    assert [[m["id"] for m in ms] for ms in merged] == [[m["id"] for m in r["provenance"]["merged"]] for r in rows]


def test_duckdb_queries_records_and_provenance():
    duckdb = pytest.importorskip("duckdb")
    rows = pq.read_table(DATA).to_pylist()
    found = duckdb.sql(f"select id, provenance.source_sha256, len(provenance.edits) from '{DATA}'").fetchall()
    assert found == [(r["id"], r["provenance"]["source_sha256"], len(r["provenance"]["edits"])) for r in rows]
    removed = duckdb.sql(f"select count(*) from '{COMMITTED / 'removed' / '*.parquet'}'").fetchall()[0][0]
    assert removed == 5
