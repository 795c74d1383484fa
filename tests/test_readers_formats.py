"""Readers for every input format and compression: same records, exact errors, streaming."""

from __future__ import annotations

import gzip
import json
import sys

import pytest

import corpuskit.readers.streaming as streaming
from corpuskit.errors import DependencyError, InputError
from corpuskit.readers import Reader, detect_format, expand_inputs, read_records
from corpuskit.readers.digest import read_digest
from corpuskit.readers.jsonl import read_jsonl
from corpuskit.readers.source import load_source

ARTICLES = [
    {"id": "a1", "title": "Port reopens", "outlet": "Daily Courier", "date": "2020-09-28",
     "author": "Ana Costa", "text": "The port reopened on Monday.\n\nShips queued “for days”, officials said."},
    {"id": None, "title": "Budget vote", "outlet": None, "date": None, "author": None,
     "text": "Lawmakers approved the budget, 52–48.\n\nThe vote ends a month of talks."},
    {"id": "a3", "title": "Grid warning", "outlet": "Metro Post", "date": "2021-01-05",
     "author": None, "text": "The grid operator warned of shortages."},
]


def _jsonl_bytes(articles=ARTICLES) -> bytes:
    lines = []
    for article in articles:
        obj = {k: v for k, v in article.items() if v is not None}
        lines.append(json.dumps(obj, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _fields(records):
    return [(r["id"], r["title"], r["outlet"], r["date"], r["author"], r["text"]) for r in records]


@pytest.fixture
def jsonl(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_bytes(_jsonl_bytes())
    return path


def test_streamed_jsonl_matches_the_whole_file_reader(jsonl):
    streamed = list(read_records([str(jsonl)]))
    whole = list(read_jsonl(load_source(str(jsonl))))
    assert streamed == whole
    assert streamed[1]["source"]["start_line"] == 2


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_compressed_jsonl_gives_the_same_records(tmp_path, jsonl, suffix):
    data = jsonl.read_bytes()
    path = tmp_path / f"news.jsonl{suffix}"
    if suffix == ".gz":
        path.write_bytes(gzip.compress(data, mtime=0))
    else:
        import zstandard

        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    plain = list(read_records([str(jsonl)]))
    packed = list(read_records([str(path)]))
    assert _fields(packed) == _fields(plain)
    # spans are offsets in the decompressed stream; the checksum is the file's on disk
    assert [r["source"]["start_byte"] for r in packed] == [r["source"]["start_byte"] for r in plain]
    assert packed[0]["source"]["sha256"] != plain[0]["source"]["sha256"]
    assert detect_format(str(path)) == "jsonl"


def test_missing_zstandard_gives_a_fix_it_message(tmp_path, monkeypatch):
    path = tmp_path / "news.jsonl.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd")
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(DependencyError, match=r"pip install zstandard"):
        list(read_records([str(path)]))


def test_damaged_gzip_names_the_file(tmp_path, jsonl):
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl.read_bytes())[:40])
    with pytest.raises(InputError, match=r"bad\.jsonl\.gz:\d+: cannot decompress"):
        list(read_records([str(path)]))


def test_bad_jsonl_line_names_file_and_line_when_compressed(tmp_path):
    data = _jsonl_bytes() + b'{"text": 5}\n'
    path = tmp_path / "news.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    with pytest.raises(InputError, match=r"news\.jsonl\.gz:4: record has no 'text' string"):
        list(read_records([str(path)]))


def test_legacy_encoding_and_bom_still_decode(tmp_path):
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + _jsonl_bytes())
    legacy = tmp_path / "legacy.jsonl"
    legacy.write_bytes(json.dumps({"text": "Caf\u00e9 au lait"}, ensure_ascii=False).encode("cp1252") + b"\n")
    assert _fields(read_records([str(bom)])) == _fields(read_records([str(bom)]))
    assert list(read_records([str(bom)]))[0]["source"]["start_byte"] == 3
    assert list(read_records([str(legacy)]))[0]["text"] == "Caf\u00e9 au lait"


# -- CSV ----------------------------------------------------------------------------

CSV_TEXT = (
    "id,title,outlet,date,author,text,extra\r\n"
    'a1,Port reopens,Daily Courier,2020-09-28,Ana Costa,"The port reopened.\r\n\r\nShips queued, '
    'said ""officials"".",x\r\n'
    ",Budget vote,,,,Lawmakers approved the budget.,y\r\n"
)


def test_csv_records_with_multiline_fields(tmp_path):
    path = tmp_path / "news.csv"
    path.write_bytes(CSV_TEXT.encode("utf-8"))
    records = list(read_records([str(path)]))
    assert len(records) == 2
    first, second = records
    assert first["text"] == 'The port reopened.\r\n\r\nShips queued, said "officials".'
    assert (first["source"]["start_line"], first["source"]["end_line"]) == (2, 4)
    data = path.read_bytes()
    span = data[first["source"]["start_byte"]:first["source"]["end_byte"]]
    assert span.startswith(b"a1,Port") and span.endswith(b",x\r")
    assert second["id"] and second["outlet"] is None and second["author"] is None
    assert second["source"]["start_line"] == 5


def test_csv_reads_a_field_above_the_csv_modules_limit_and_refuses_an_absurd_one(tmp_path, monkeypatch):
    import csv

    import corpuskit.readers.csv as csv_reader

    limit = csv.field_size_limit()
    long_text = "Paragraph of a long article. " * 10_000  # 290,000 characters: over the module's 131,072
    path = tmp_path / "news.csv"
    path.write_text(f'title,text\nShort,fine\nLong,"{long_text}"\nAfter,ok\n', encoding="utf-8")
    records = list(read_records([str(path)]))
    assert [r["text"] for r in records] == ["fine", long_text, "ok"]
    assert csv.field_size_limit() == limit  # raised only while that record was parsed
    monkeypatch.setattr(csv_reader, "MAX_RECORD_CHARS", 200_000)
    with pytest.raises(InputError, match=r"news\.csv:3: CSV record of 290,007 characters, more than the "
                                         r"200,000 read; is a quote left open\?"):
        list(read_records([str(path)]))


def test_csv_without_text_column_names_file_and_line(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text("title,body\nA,B\n")
    with pytest.raises(InputError, match=r"news\.csv:1: no 'text' column in the header row"):
        list(read_records([str(path)]))


def test_csv_row_with_wrong_field_count(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text("title,text\nA,fine\nB,too,many\nC,ok\n")
    with pytest.raises(InputError) as info:
        list(read_records([str(path)]))
    assert ":3: row has 3 fields but the header has 2" in str(info.value)
    assert "\n" not in str(info.value)
    skipped = []
    reader = Reader([str(path)], on_error="skip", report=skipped.append)
    assert [r["title"] for r in reader] == ["A", "C"]
    assert [e.line for e in skipped] == [3]


def test_csv_unterminated_quote(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text('title,text\nA,"never closed\nmore\n')
    with pytest.raises(InputError, match=r"news\.csv:2: unterminated quoted field"):
        list(read_records([str(path)]))


def test_gzipped_csv(tmp_path):
    path = tmp_path / "news.csv.gz"
    path.write_bytes(gzip.compress(CSV_TEXT.encode("utf-8")))
    assert len(list(read_records([str(path)]))) == 2


# -- Parquet ------------------------------------------------------------------------

def _parquet(path, rows, **kwargs):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows, **kwargs), path, row_group_size=2)
    return path


def test_parquet_records_stream_in_batches(tmp_path, monkeypatch):
    import datetime

    import corpuskit.readers.parquet as parquet_reader

    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 2)
    rows = [dict(a, date=datetime.date(2020, 9, 28 + i % 2), wordcount=7) for i, a in enumerate(ARTICLES)]
    path = _parquet(tmp_path / "news.parquet", rows)
    records = list(read_records([str(path)]))
    assert [r["text"] for r in records] == [a["text"] for a in ARTICLES]
    assert records[0]["date"] == "2020-09-28"
    assert [r["source"]["start_line"] for r in records] == [1, 2, 3]
    assert records[2]["source"]["start_byte"] is None
    assert records[1]["id"] and records[1]["id"] != "None"
    again = list(read_records([str(path)]))
    assert again == records


def test_parquet_without_text_column(tmp_path):
    path = _parquet(tmp_path / "news.parquet", [{"body": "x"}])
    with pytest.raises(InputError, match=r"news\.parquet: no 'text' column"):
        list(read_records([str(path)]))


def test_parquet_bad_row_names_file_and_row(tmp_path):
    path = _parquet(tmp_path / "news.parquet", [{"text": "fine"}, {"text": None}])
    with pytest.raises(InputError, match=r"news\.parquet:2: record has no 'text' string"):
        list(read_records([str(path)]))


def test_not_a_parquet_file(tmp_path):
    path = tmp_path / "news.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match=r"news\.parquet: not a readable Parquet file"):
        list(read_records([str(path)]))


# -- digests, folders, progress -------------------------------------------------------

def _digest(count: int, bad_at: int | None = None) -> str:
    blocks = []
    for i in range(count):
        date = "Septembre 99 2020" if i == bad_at else f"Sept {1 + i % 28} 2020"
        blocks.append(f"Headline number {i}\n\nDaily Courier\n{date}\nBy Ana Costa\n\n"
                      f"First paragraph of story {i}, which is long enough.\n\nSecond paragraph {i}.")
    return "\n\n\n".join(blocks) + "\n"


def test_chunked_digest_equals_whole_file_parse(tmp_path, monkeypatch):
    path = tmp_path / "digest.txt"
    path.write_text(_digest(60), encoding="utf-8")
    whole = list(read_digest(load_source(str(path))))
    monkeypatch.setattr(streaming, "DIGEST_CHUNK_BYTES", 500)
    chunked = list(read_records([str(path)]))
    assert len(whole) == 60
    assert chunked == whole


def test_chunked_digest_errors_cite_file_lines(tmp_path, monkeypatch):
    path = tmp_path / "digest.txt"
    path.write_text(_digest(40, bad_at=31), encoding="utf-8")
    with pytest.raises(InputError) as whole:
        list(read_digest(load_source(str(path))))
    monkeypatch.setattr(streaming, "DIGEST_CHUNK_BYTES", 500)
    with pytest.raises(InputError) as chunked:
        list(read_records([str(path)]))
    assert chunked.value.line == whole.value.line
    assert str(chunked.value) == str(whole.value)


def test_folders_pick_up_every_format(tmp_path, jsonl):
    (tmp_path / "b.csv").write_text("text\nhello world\n")
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress(jsonl.read_bytes()))
    _parquet(tmp_path / "d.parquet", [{"text": "x"}])
    (tmp_path / "notes.md").write_text("ignored")
    names = [p.rsplit("/", 1)[-1] for p in expand_inputs([str(tmp_path)])]
    assert names == ["b.csv", "c.jsonl.gz", "d.parquet", "news.jsonl"]


def test_bytes_read_reaches_the_input_size(jsonl):
    reader = Reader([str(jsonl)])
    positions = [reader.bytes_read for _ in reader]
    assert positions and positions[-1] <= jsonl.stat().st_size
    assert reader.bytes_read == jsonl.stat().st_size


def test_empty_compressed_file(tmp_path):
    path = tmp_path / "empty.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n\n"))
    with pytest.raises(InputError, match=r"empty\.jsonl\.gz: file is empty"):
        list(read_records([str(path)]))


def test_parquet_progress_advances_with_rows(tmp_path, monkeypatch):
    import corpuskit.readers.parquet as parquet_reader

    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 1)
    path = _parquet(tmp_path / "news.parquet", [dict(a, id=str(i)) for i, a in enumerate(ARTICLES)])
    reader = Reader([str(path)])
    positions = [reader.bytes_read for _ in reader]
    assert positions == sorted(positions) and 0 < positions[-1] <= path.stat().st_size
    assert reader.bytes_read == path.stat().st_size


# -- files that are not UTF-8 are decoded whole, then read by the same readers ----------

def test_latin1_csv_is_decoded_not_refused(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes('id,title,text\n1,Café opens,"The café opened, owners said."\n'.encode("cp1252"))
    [record] = list(read_records([str(path)]))
    assert record["title"] == "Café opens"
    assert record["text"] == "The café opened, owners said."
    src = record["source"]
    assert path.read_bytes()[src["start_byte"]:src["end_byte"]].decode("cp1252").startswith("1,Café")


def test_utf16_csv_with_a_multi_line_field(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes('id,text\n1,"Das Café öffnet am Montag,\nsagten die Besitzer."\n2,Zweite Zeile\n'.encode("utf-16"))
    records = list(read_records([str(path)]))
    assert [r["id"] for r in records] == ["1", "2"]
    assert records[0]["text"] == "Das Café öffnet am Montag,\nsagten die Besitzer."
    assert (records[0]["source"]["start_line"], records[0]["source"]["end_line"]) == (2, 3)


def test_cp1252_jsonl_is_decoded(tmp_path):
    path = tmp_path / "legacy.jsonl"
    path.write_bytes('{"id": "a", "text": "Der Bürgermeister sagte “nein”."}\n'.encode("cp1252"))
    [record] = list(read_records([str(path)]))
    assert record["text"] == "Der Bürgermeister sagte “nein”."
