"""Streamed inputs read as raw blocks and parsed in the build's workers.

The parent cuts JSON Lines, CSV and digests into blocks of whole lines (whole
records, whole articles); workers parse them. These tests hold that path to
the line-by-line readers: same lines, offsets and records, the same ``-2`` ids
for repeats across blocks, and the same one-line errors (raised or skipped)
whatever the number of workers.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import corpuskit.readers.streaming as streaming
from corpuskit._build import build
from corpuskit.cli import main
from corpuskit.config import load_config
from corpuskit.errors import InputError
from corpuskit.readers import read_records
from corpuskit.readers.compression import LineStream, split_block

CONFIG = """\
name = "blocks"
version = "1.0.0"
[[pipeline]]
step = "normalize_whitespace"
[[pipeline]]
step = "dedup"
[check]
skip = ["records.required"]  # the fixtures have no titles: relaxed on purpose
"""


def _lines_of_blocks(path: Path, size: int) -> list[tuple[int, int, bytes]]:
    stream = LineStream(str(path), path.name, "gzip" if path.suffix == ".gz" else None)
    try:
        return [line for block in stream.blocks(size) for line in split_block(*block)]
    finally:
        stream.close()


def _lines(path: Path) -> list[tuple[int, int, bytes]]:
    """The spec, on the whole file: lines split at ``\\n`` after a UTF-8 BOM, with offsets."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    offset = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    lines = []
    for index, raw in enumerate(data[offset:].split(b"\n")):
        lines.append((index, offset, raw))
        offset += len(raw) + 1
    return lines


def _comparable(lines):
    # the spec also has the empty text after a final newline; blocks do not
    return [line for line in lines if line[2]]


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(st.sampled_from([b"a", b"{}", b"\r", b"\n", b"  ", b"\xc3\xa9", b"xyz" * 7]),
                       max_size=40),
       bom=st.booleans(), size=st.integers(min_value=1, max_value=64))
def test_blocks_give_the_lines_and_offsets_of_the_whole_file(tmp_path_factory, pieces, bom, size):
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(pieces)
    path = tmp_path_factory.mktemp("blocks") / "x.jsonl"
    path.write_bytes(data)
    assert _comparable(_lines_of_blocks(path, size)) == _comparable(_lines(path))


def test_blocks_of_a_gzip_stream_and_a_line_longer_than_the_block(tmp_path):
    lines = [json.dumps({"text": "word " * n}) for n in (1, 400, 2, 3)]
    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(gzip.compress(("\r\n".join(lines) + "\n").encode()))
    got = _lines_of_blocks(path, 64)
    assert _comparable(got) == _comparable(_lines(path))
    assert [index for index, _, _ in got] == [0, 1, 2, 3]


def _write_corpus(folder: Path) -> Path:
    """Enough lines for many small blocks; ids repeat within and across blocks."""
    rows = []
    for n in range(300):
        rows.append({"text": f"Story {n % 40} about the harbour, told in {n % 7} short sentences. " * 3,
                     "title": f"Story {n % 40}"})
        if n % 9 == 0:
            rows.append({"id": "same", "text": f"A different text {n} with its own words and figures {n}."})
    path = folder / "news.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (folder / "corpuskit.toml").write_text(CONFIG)
    return path


def _published_ids(folder: Path) -> list[str]:
    import pyarrow.parquet as pq

    ids = []
    for part in ("data", "removed"):
        for shard in sorted((folder / part).glob("*.parquet")):
            ids += pq.read_table(shard, columns=["id"]).column("id").to_pylist()
    return ids


@pytest.mark.parametrize("workers", [1, 2])
def test_repeated_ids_get_the_same_suffixes_as_the_in_order_reader(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(streaming, "JSONL_BLOCK_BYTES", 2048)  # dozens of blocks
    path = _write_corpus(tmp_path)
    expected = [r["id"] for r in read_records([str(path)])]
    assert "same-2" in expected and sum(i.endswith("-2") for i in expected) > 10
    config = load_config(str(tmp_path / "corpuskit.toml"), root=str(tmp_path))
    build(config, inputs=[str(path)], out=str(tmp_path / "out"), workers=workers)
    assert sorted(_published_ids(tmp_path / "out")) == sorted(expected)


def test_one_and_two_workers_publish_the_same_bytes_from_small_blocks(tmp_path, monkeypatch):
    from helpers import tree_digests

    monkeypatch.setattr(streaming, "JSONL_BLOCK_BYTES", 2048)
    path = _write_corpus(tmp_path)
    config = load_config(str(tmp_path / "corpuskit.toml"), root=str(tmp_path))
    build(config, inputs=[str(path)], out=str(tmp_path / "w1"), workers=1)
    monkeypatch.setattr(streaming, "JSONL_BLOCK_BYTES", 1 << 20)  # other cuts, same rows
    build(config, inputs=[str(path)], out=str(tmp_path / "w2"), workers=2)
    assert tree_digests(tmp_path / "w1") == tree_digests(tmp_path / "w2")


def _with_bad_line(tmp_path: Path) -> tuple[Path, int]:
    path = _write_corpus(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = 250  # 1-based line number, far into the file: in a late block
    lines[bad - 1] = '{"text": "cut off\n'
    path.write_text("".join(lines), encoding="utf-8")
    return path, bad


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bad_line_parsed_in_a_worker_is_one_line_error_with_file_and_line(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(streaming, "JSONL_BLOCK_BYTES", 2048)
    path, bad = _with_bad_line(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", str(path), "--config", "corpuskit.toml",
                                       "--out", "out", "--workers", workers, "--quiet"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"Error: news.jsonl:{bad}: invalid JSON")
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_skipped_lines_from_workers_are_reported_in_order_and_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr(streaming, "JSONL_BLOCK_BYTES", 2048)
    path, bad = _with_bad_line(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[9] = "[1, 2]\n"  # line 10: valid JSON, not an object
    path.write_text("".join(lines), encoding="utf-8")
    config = load_config(str(tmp_path / "corpuskit.toml"), root=str(tmp_path))
    reported: list[InputError] = []
    result = build(config, inputs=[str(path)], out=str(tmp_path / "out"), workers=2,
                   on_error="skip", report=reported.append)
    assert [(e.path, e.line) for e in reported] == [("news.jsonl", 10), ("news.jsonl", bad)]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [s.split(": ")[0] for s in manifest["skipped_chunks"]] == ["news.jsonl:10", f"news.jsonl:{bad}"]
    assert result.rows + result.removed == len(lines) - 2


def test_input_error_survives_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(InputError("invalid JSON; fix it", "a.jsonl", 7)))
    assert (error.reason, error.path, error.line, str(error)) == ("invalid JSON; fix it", "a.jsonl", 7,
                                                                  "a.jsonl:7: invalid JSON; fix it")


def test_a_unit_whose_every_record_is_a_duplicate(tmp_path, monkeypatch):
    """Every row of a spilled unit removed by dedup: the unit contributes nothing to ``data/``."""
    monkeypatch.setattr(streaming, "JSONL_BLOCK_BYTES", 1024)
    rows = [json.dumps({"text": f"Report {n}: the council met on Tuesday and voted {n} to {n + 3} "
                                f"on the harbour plan after {n * 7} residents wrote in."}) for n in range(12)]
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(rows + rows) + "\n", encoding="utf-8")  # the second half: exact copies
    (tmp_path / "corpuskit.toml").write_text(CONFIG)
    config = load_config(str(tmp_path / "corpuskit.toml"), root=str(tmp_path))
    for workers in (1, 2):
        result = build(config, inputs=[str(path)], out=str(tmp_path / f"w{workers}"), workers=workers)
        assert (result.rows, result.removed) == (12, 12)


# -- digests: chunks cut at article starts by the parent, parsed in the workers ----------------

def _digest_text(count: int, bad_at: int | None = None) -> str:
    blocks = []
    for i in range(count):
        story = i % 23  # repeats: exact copies later in the file
        date = "Septembre 99 2020" if i == bad_at else f"Sept {1 + story % 28} 2020"
        blocks.append(f"Headline number {story}\n\nDaily Courier\n{date}\n\n"
                      f"First paragraph of story {story}, which is long enough to count.\n\n"
                      f"Second paragraph {story}, with {story * 3} figures in it.")
    return "\n\n\n".join(blocks) + "\n"


def _digest_project(tmp_path: Path, text: str) -> tuple[Path, object]:
    path = tmp_path / "digest.txt"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "corpuskit.toml").write_text(CONFIG)
    return path, load_config(str(tmp_path / "corpuskit.toml"), root=str(tmp_path))


def test_digest_chunks_publish_the_same_bytes_and_ids_as_one_chunk(tmp_path, monkeypatch):
    from helpers import tree_digests

    path, config = _digest_project(tmp_path, _digest_text(80))
    expected = [r["id"] for r in read_records([str(path)])]
    assert sum(i.endswith("-2") for i in expected) > 10
    build(config, inputs=[str(path)], out=str(tmp_path / "one"), workers=1)  # one chunk
    monkeypatch.setattr(streaming, "DIGEST_CHUNK_BYTES", 700)  # dozens of chunks
    assert [r["id"] for r in read_records([str(path)])] == expected
    build(config, inputs=[str(path)], out=str(tmp_path / "many"), workers=2)
    assert tree_digests(tmp_path / "one") == tree_digests(tmp_path / "many")
    assert sorted(_published_ids(tmp_path / "many")) == sorted(expected)


def test_a_bad_digest_header_in_a_worker_chunk_is_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setattr(streaming, "DIGEST_CHUNK_BYTES", 700)
    path, _ = _digest_project(tmp_path, _digest_text(60, bad_at=47))
    bad = path.read_text(encoding="utf-8").splitlines().index("Septembre 99 2020") + 1
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", "digest.txt", "--config", "corpuskit.toml",
                                       "--out", "out", "--workers", "2", "--quiet"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"Error: digest.txt:{bad}: ")
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


# -- CSV: the parent parses the header row only; blocks end where quotes balance -------------

_CSV_ROWS = [
    ["id", "title", "text", "extra"],
    ["a1", "Plain", "One line of text.", "x"],
    ["", "Quoted, with comma", 'She said "yes"\nand then\n\nleft.', ""],
    ["a1", "Same id again", "Another body, repeated id.", "y"],
    ["", "", "Text with \u00e9 and \u2019 quotes.", ""],
]


def _csv_bytes(rows, newline="\n", blank_lines_first=0) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return ("\n" * blank_lines_first + out.getvalue()).encode("utf-8")


@settings(max_examples=60, deadline=None)
@given(order=st.lists(st.integers(min_value=1, max_value=4), min_size=0, max_size=25),
       newline=st.sampled_from(["\n", "\r\n"]), blanks=st.integers(min_value=0, max_value=2),
       size=st.integers(min_value=1, max_value=200), final_newline=st.booleans())
def test_csv_blocks_give_the_records_of_the_line_by_line_reader(tmp_path_factory, order, newline,
                                                                blanks, size, final_newline):
    import corpuskit.readers.csv as csv_reader
    from corpuskit.readers.csv import read_csv
    from corpuskit.readers.source import load_source

    data = _csv_bytes([_CSV_ROWS[0]] + [_CSV_ROWS[i] for i in order], newline, blanks)
    if not final_newline:
        data = data.rstrip(b"\r\n")
    path = tmp_path_factory.mktemp("csv") / "x.csv"
    path.write_bytes(data)
    source = load_source(str(path))  # read whole: the line-by-line reader
    expected = list(read_csv(source, source.numbered_lines(), decode=source.decode_line))
    for record in expected:  # the in-order reader gives repeats their suffix
        record["id"] = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_reader, "CSV_BLOCK_BYTES", size)
        got = list(read_records([str(path)]))
    for record in got:
        record["id"] = None
    assert got == expected


def test_csv_errors_from_worker_blocks_name_the_line(tmp_path, monkeypatch):
    import corpuskit.readers.csv as csv_reader

    monkeypatch.setattr(csv_reader, "CSV_BLOCK_BYTES", 64)
    rows = [_CSV_ROWS[0]] + [_CSV_ROWS[1 + i % 4] for i in range(40)]
    data = _csv_bytes(rows) + b'"a9","Broken","unterminated\n'
    (tmp_path / "news.csv").write_bytes(data)
    (tmp_path / "corpuskit.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    line = data.count(b"\n")  # the broken record starts on the last line
    result = CliRunner().invoke(main, ["build", "news.csv", "--config", "corpuskit.toml",
                                       "--out", "out", "--workers", "2", "--quiet"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"Error: news.csv:{line}: unterminated quoted")
    assert not (tmp_path / "out").exists()
