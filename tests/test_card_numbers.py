"""Card numbers: ``num_bytes``/``dataset_size`` are what ``datasets`` computes for the data.

``datasets`` gives a split's size as the Arrow size in memory of its tables, read
one parquet row group at a time; the card used to give the parquet file size
(several times smaller). The reference here is ``datasets`` itself, computing
the figure from the parquet files alone (no card involved).
"""

from __future__ import annotations

import json
import tempfile

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit._build import build
from corpuskit.config import parse_config


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A small dataset written in several row groups, with nulls, edits and removed copies."""
    import corpuskit.publish.writer as writer

    monkeypatch.setattr(writer, "ROW_GROUP_ROWS", 64)  # several row groups without a big input
    lines = []
    for i in range(300):
        record = {"id": f"a{i}", "text": f"Article {i} reports that {i * 7} people met in town {i % 13}. " * 3,
                  "title": None if i % 5 == 0 else f"Headline {i}",
                  "date": None if i % 3 else f"2020-09-{1 + i % 28:02d}T10:00:00Z"}
        lines.append(json.dumps(record))
    lines += lines[:20]  # exact copies: a removed config
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    config = parse_config({"name": "n", "version": "1.0.0", "inputs": ["in.jsonl"],
                           "check": {"skip": ["records.required"]}}, str(tmp_path))  # null titles on purpose
    result = build(config, out=str(tmp_path / "out"), workers=1)
    return tmp_path / "out", result


def card_info(folder) -> dict:
    meta = yaml.safe_load((folder / "README.md").read_text().split("---\n")[1])
    return {info["config_name"]: info for info in meta["dataset_info"]}


def test_num_bytes_are_what_datasets_computes(published):
    import datasets
    import pyarrow.parquet as pq

    folder, result = published
    info = card_info(folder)
    assert set(info) == {"default", "removed"}
    for name, sub in (("default", "data"), ("removed", "removed")):
        files = sorted(str(p) for p in (folder / sub).glob("*.parquet"))
        assert pq.ParquetFile(files[0]).metadata.num_row_groups > 1 or name == "removed"
        with tempfile.TemporaryDirectory() as cache:
            loaded = datasets.load_dataset("parquet", data_files={"train": files}, cache_dir=cache)
        computed = loaded["train"].info.splits["train"].num_bytes
        split = info[name]["splits"][0]
        assert split["num_bytes"] == computed
        assert info[name]["dataset_size"] == computed
        assert split["num_examples"] == loaded["train"].num_rows
        assert info[name]["download_size"] == sum((folder / sub / p).stat().st_size
                                                  for p in (folder / sub).iterdir())
        assert computed != info[name]["download_size"]


def test_loading_the_folder_reports_the_card_numbers(published):
    import datasets

    folder, _ = published
    with tempfile.TemporaryDirectory() as cache:
        train = datasets.load_dataset(str(folder), cache_dir=cache)["train"]
    assert train.info.splits["train"].num_bytes == card_info(folder)["default"]["splits"][0]["num_bytes"]
    assert train.info.dataset_size == card_info(folder)["default"]["dataset_size"]


def test_card_statistics_count_missing_values_as_the_rows_read_one_by_one(tmp_path):
    """Outlets, languages and days are counted column by column (Arrow value counts): a null
    or empty outlet is '(unknown)', a null or empty language '(none)', a null or empty date
    undated; the same figures as reading the rows one by one, over several files and batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from corpuskit.publish.stats import statistics

    outlets = ["Daily", None, "", "Wire", "Daily"]
    languages = ["en", None, "", "de", "en", "en", None]
    dates = ["2020-01-02", None, "", "2020-01-01", "2020-01-02", "2020-01-03"]
    rows = [{"id": f"r{i}", "title": "T", "outlet": outlets[i % 5], "date": dates[i % 6], "author": None,
             "url": None, "text": None if i % 11 == 0 else "one two  three\u2003four\n" * (i % 4),
             "language": languages[i % 7]} for i in range(2300)]
    paths = []
    for k, part in enumerate((rows[:1700], rows[1700:])):
        paths.append(str(tmp_path / f"{k}.parquet"))
        pq.write_table(pa.Table.from_pylist(part), paths[-1], row_group_size=700)
    numbers = statistics(paths)

    def tally(values):
        counts = {}
        for value in values:
            counts[value] = counts.get(value, 0) + 1
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    assert numbers["outlets"] == tally(r["outlet"] or "(unknown)" for r in rows)
    assert numbers["languages"] == tally(r["language"] or "(none)" for r in rows)
    assert numbers["per_day"] == sorted(dict(tally(r["date"] for r in rows if r["date"])).items())
    assert numbers["dates"] == {"first": "2020-01-01", "last": "2020-01-03",
                                "undated": sum(1 for r in rows if not r["date"])}
    assert numbers["lengths"] == [len((r["text"] or "").split()) for r in rows]
    assert numbers["example"] == rows[0] and numbers["records"] == 2300


_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(_SPACES + "aé€𝄞\u0085\u00c2\u00a0xb"),
                                              max_size=40),
                          st.text(max_size=40)), max_size=30),
       st.integers(min_value=0, max_value=5))
def test_word_counts_are_the_counts_of_str_split(texts, skip):
    """The card's words per text, counted on the UTF-8 bytes, equal ``len(text.split())`` for
    every space Python knows (one, two and three bytes long), next to the other characters
    that share their first bytes, and in a sliced array."""
    import pyarrow as pa

    from corpuskit.publish.stats import word_counts

    array = pa.array(["x"] * skip + texts, type=pa.string()).slice(skip)
    assert word_counts(array).tolist() == [len((text or "").split()) for text in texts]
