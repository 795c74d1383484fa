"""Streamed digests read exactly like the whole file: same records, or the same error.

The streaming cutter (``digest_chunks``) and the whole-file parser must agree
on every input, whatever the chunk size: records with the same fields and spans,
or the same first error (raise mode), or the same reported errors (skip mode).
Inputs are random digests built from well-formed and malformed headers in every
date form, stray lines, blank runs and CRLF line ends.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpuskit.errors import InputError
from corpuskit.readers.compression import LineStream, scan_plain
from corpuskit.readers.digest import header_block_in, read_digest
from corpuskit.readers.options import ReadOptions
from corpuskit.readers.source import SourceText, cite_path, load_source
from corpuskit.readers.streaming import digest_chunks

DATES = ["Sept 28 2020", "Monday, September 28, 2020", "Mon, Sep 28 2020", "28.09.2020", "28/09/2020",
         "2020-09-28", "September 28, 2020 3:25 PM", "Sep. 28, 2020", "03/04/2020", "Feb 30 2020",
         "Septmber 28, 2020", "Tuesday, September 28, 2020", "Sept 28", "28.09.20", "12:30"]
WORDS = ["the", "Council", "said", "on", "Monday", "March", "3", "2020", "Reuters", "—", "é", "By",
         "Ana", "Costa", "and", "ministers", "12", "09", "2021", "Sep", "of"]


@st.composite
def _line(draw) -> str:
    return " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8)))


@st.composite
def _piece(draw) -> list[str]:
    kind = draw(st.sampled_from(["article", "article", "article", "no-blank", "no-outlet", "line", "blank"]))
    date = draw(st.sampled_from(DATES))
    if kind == "line":
        return [draw(_line())]
    if kind == "blank":
        return [""] * draw(st.integers(1, 3))
    title, outlet = draw(_line()), draw(st.sampled_from(["Daily Courier", "Reuters", "The Times"]))
    header = {"article": [title, "", outlet, date], "no-blank": [title, outlet, date],
              "no-outlet": [title, "", date]}[kind]
    if draw(st.booleans()):
        header.append("By Ana Costa")
    body = draw(st.lists(_line(), min_size=0, max_size=4))
    gap = [""] * draw(st.integers(0, 2))
    return header + gap + body + [""] * draw(st.integers(0, 3))


def _whole(path: Path, on_error: str):
    errors: list[InputError] = []
    try:
        records = list(read_digest(load_source(str(path)), on_error=on_error, report=errors.append))
    except InputError as error:
        return "error", (error.path, error.line, error.reason)
    return records, [(e.path, e.line, e.reason) for e in errors]


def _streamed(path: Path, chunk: int, on_error: str):
    shown = cite_path(str(path), None)
    sha256, streamable, bom = scan_plain(str(path), shown)
    assert streamable
    source = SourceText(path=shown, abspath=str(path), sha256=sha256, encoding="utf-8", bom=bom, lines=[])
    stream = LineStream(str(path), shown, None)
    records, errors = [], []
    try:
        for unit in digest_chunks(source, stream, on_error, chunk_bytes=chunk, options=ReadOptions()):
            got, skipped = unit.parse()
            records += got
            errors += [(e.path, e.line, e.reason) for e in skipped]
    except InputError as error:
        return "error", (error.path, error.line, error.reason)
    finally:
        stream.close()
    return records, errors


# DIGEST_EXAMPLES=5000 for a longer search (a few minutes)
@settings(max_examples=int(os.environ.get("DIGEST_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_piece(), min_size=1, max_size=12), chunk=st.integers(1, 400),
       lead=st.integers(0, 2), crlf=st.booleans(), final_newline=st.booleans(), bom=st.booleans(),
       on_error=st.sampled_from(["raise", "skip"]))
def test_streamed_digest_equals_whole_file(pieces, chunk, lead, crlf, final_newline, bom, on_error):
    lines = [""] * lead + [line for piece in pieces for line in piece]
    text = ("\r\n" if crlf else "\n").join(lines) + ("\n" if final_newline else "")
    if not text.strip():
        text = "x\n"  # an empty file is refused before any digest reading
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digest.txt"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        streamed = _streamed(path, chunk, on_error)
        assert streamed == _whole(path, on_error)
        if streamed[0] != "error":  # and no published body holds a header: `corpuskit check` agrees
            assert all(header_block_in(r["text"]) is None for r in streamed[0])


def test_a_first_article_longer_than_the_chunk_after_a_blank_line(tmp_path):
    """The reported failure: a leading blank line and a first article longer than a chunk."""
    body = "\n".join(f"Paragraph {i} of the long first story, with enough words in it." for i in range(400))
    text = f"\nLong Story\n\nDaily Courier\nSept 28 2020\n{body}\n\nSecond Story\n\nReuters\n28.09.2020\nShort.\n"
    path = tmp_path / "digest.txt"
    path.write_text(text, encoding="utf-8")
    records, errors = _streamed(path, 1024, "raise")
    assert len(text) > 20 * 1024 and errors == []
    assert [r["title"] for r in records] == ["Long Story", "Second Story"]
    assert records == _whole(path, "raise")[0]
