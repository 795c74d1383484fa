"""The bad-input corpus: every malformed input, file and output path ends cleanly.

Each case builds (or cleans/checks) in-process in a fresh project folder and asserts:

* the exit code, and on failure one ``Error: ...`` line naming the file and line
  (or the key, option or path) — a gate failure is that line plus one line per
  failing check; never a traceback, never "internal error";
* nothing published on failure, and nothing outside the output touched on
  success: every other file of the project (a sentinel ``.tmp-keep`` folder
  beside ``--out`` and one in the project) is byte-identical afterwards, and
  the build leaves no folder of its own behind;
* for accepted inputs, rows in = kept + removed + skipped (from the manifest).

``expect`` is ``"error"`` (must fail, exit ``code``), ``"ok"`` (must publish) or
``"clean"`` (an input whose treatment another part of the project decides, e.g.
decoding: either a clean one-line error or a correct publish, never anything else).
Signals are in ``test_interrupt.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import socket
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpuskit.cli import main

CONFIG = """\
name = "bad"
version = "1.0.0"
[[pipeline]]
step = "fix_encoding"
[[pipeline]]
step = "normalize_whitespace"
[[pipeline]]
step = "dedup"
[check]
min_chars = 1
"""

OUT = "out/1.0.0"
ROOT_USER = os.geteuid() == 0


def art(n: int, **extra) -> dict:
    """A valid, distinct article."""
    words = " ".join(f"w{n}x{i}" for i in range(12))
    record = {"id": f"a{n}", "title": f"Title number {n}", "text": f"Article {n} says {words}."}
    record.update(extra)
    return record


def jsonl(*records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def csv_text(header: str, *rows: str) -> bytes:
    return ("\n".join((header,) + rows) + "\n").encode("utf-8")


def parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def good_rows(n: int) -> list[str]:
    return [f'a{i},Title {i},"Article {i} says {" ".join(f"w{i}x{j}" for j in range(12))}."' for i in range(n)]


DIGEST = (
    "Nagorno-Karabakh press digest\n\n"
    "Voice of America\n"
    "27 September 2020\n"
    "Fighting erupts in the South Caucasus\n\n"
    "Heavy fighting broke out on Sunday along the line of contact, officials said, "
    "and both sides reported casualties among soldiers and civilians.\n\n"
)


@dataclass
class Case:
    id: str
    files: dict = field(default_factory=dict)  # relative path -> bytes, or a callable(path)
    args: list = field(default_factory=lambda: ["in"])  # build inputs (or a whole command line)
    expect: str = "error"  # "error", "ok" or "clean"
    needles: tuple = ()  # fragments the error line must contain
    records: int | None = None  # input records, for accepted builds
    config: str = CONFIG
    command: str = "build"  # build, clean, check
    code: int = 1
    gate: bool = False  # the error is a gate report (one line per failing check)
    setup: Callable | None = None  # callable(project) before the run
    options: tuple = ()  # extra build options
    allowed: tuple = ()  # paths (relative) the run may create besides the output
    usage: bool = False  # click refuses the option itself (exit 2, "Usage: ..." and one Error line)
    pending: str = ""  # another part of issue #13 makes this case pass: expected to fail until merged


def fifo(path: Path) -> None:
    os.mkfifo(path)


def sock(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()


CASES: list[Case] = []


def add(*cases: Case) -> None:
    CASES.extend(cases)


# -- files -----------------------------------------------------------------
add(
    Case("missing-file", {}, ["nope.jsonl"], needles=("nope.jsonl",)),
    Case("missing-folder", {}, ["nothere/"], needles=("nothere",)),
    Case("empty-folder", {"in/.keep": b""}, needles=("in",)),
    Case("folder-of-unknown-files", {"in/a.bin": b"x", "in/b.doc": b"y"}, needles=("in",)),
    Case("glob-matches-nothing", {"in/a.jsonl": jsonl(art(1))}, ["in/*.csv"], needles=("in/*.csv",)),
    Case("empty-jsonl", {"in/a.jsonl": b""}, needles=("a.jsonl",)),
    Case("whitespace-jsonl", {"in/a.jsonl": b"\n  \n\t\n"}, needles=("a.jsonl",)),
    Case("empty-csv", {"in/a.csv": b""}, needles=("a.csv",)),
    Case("empty-digest", {"in/a.txt": b""}, needles=("a.txt",)),
    Case("empty-gz", {"in/a.jsonl.gz": b""}, needles=("a.jsonl.gz",)),
    Case("gz-of-nothing", {"in/a.jsonl.gz": gzip.compress(b"")}, needles=("a.jsonl.gz",)),
    Case("fifo-input", {"in/a.jsonl": fifo}, ["in/a.jsonl"], needles=("a.jsonl", "FIFO")),
    Case("fifo-in-folder", {"in/b.jsonl": jsonl(art(1)), "in/a.jsonl": fifo}, needles=("a.jsonl", "FIFO")),
    Case("fifo-by-glob", {"in/b.jsonl": jsonl(art(1)), "in/a.jsonl": fifo}, ["in/*.jsonl"],
         needles=("a.jsonl", "FIFO")),
    Case("socket-input", {"in/s.jsonl": sock}, ["in/s.jsonl"], needles=("s.jsonl", "socket")),
    Case("device-input", {}, ["/dev/null"], needles=("/dev/null", "device")),
    Case("dangling-symlink", {"in/a.jsonl": lambda p: os.symlink("gone.jsonl", p)}, needles=("a.jsonl",)),
    Case("symlinked-input-ok", {"real/a.jsonl": jsonl(art(1), art(2)),
                                "in/a.jsonl": lambda p: os.symlink("../real/a.jsonl", p)},
         expect="ok", records=2),
    Case("truncated-gzip", {"in/a.jsonl.gz": gzip.compress(jsonl(*[art(i) for i in range(50)]))[:60]},
         expect="clean", needles=("a.jsonl.gz",), records=50),
    Case("not-gzip", {"in/a.jsonl.gz": jsonl(art(1))}, needles=("a.jsonl.gz",)),
    Case("gzip-ok", {"in/a.jsonl.gz": gzip.compress(jsonl(art(1), art(2), art(3)))}, expect="ok", records=3),
    Case("binary-digest", {"in/a.txt": bytes(range(256)) * 8}, expect="clean", needles=("a.txt",), records=0),
    Case("nul-bytes-jsonl", {"in/a.jsonl": b'{"id": "a", "title": "t", "text": "x\x00y"}\n'},
         expect="clean", needles=("a.jsonl",), records=1),
    Case("two-inputs-one-bad", {"in/a.jsonl": jsonl(art(1)), "in/b.jsonl": b"{bad\n"},
         needles=("b.jsonl:1",)),
)

# -- encodings -------------------------------------------------------------
_LATIN = '{"id": "a", "title": "Caf\xe9", "text": "Le caf\xe9 est ouvert depuis longtemps ici."}\n'
add(
    Case("utf8-bom-jsonl", {"in/a.jsonl": b"\xef\xbb\xbf" + jsonl(art(1), art(2))}, expect="clean",
         needles=("a.jsonl",), records=2),
    Case("utf16le-bom-jsonl", {"in/a.jsonl": "\ufeff".encode("utf-16-le") + jsonl(art(1)).decode().encode("utf-16-le")},
         expect="clean", needles=("a.jsonl",), records=1),
    Case("utf16be-bom-jsonl", {"in/a.jsonl": "\ufeff".encode("utf-16-be") + jsonl(art(1)).decode().encode("utf-16-be")},
         expect="clean", needles=("a.jsonl",), records=1),
    Case("utf32-bom-jsonl", {"in/a.jsonl": jsonl(art(1)).decode().encode("utf-32")}, expect="clean",
         needles=("a.jsonl",), records=1),
    Case("latin1-jsonl", {"in/a.jsonl": _LATIN.encode("latin-1")}, expect="clean", needles=("a.jsonl",), records=1),
    Case("cp1252-digest", {"in/a.txt": DIGEST.replace("officials", "\u201cofficials\u201d").encode("cp1252")},
         expect="clean", needles=("a.txt",), records=1),
    Case("invalid-utf8-mid-file", {"in/a.jsonl": jsonl(art(1)) + b'{"id": "b", "title": "t", "text": "\xff\xfe bad"}\n'},
         expect="clean", needles=("a.jsonl",), records=2),
    Case("overlong-utf8", {"in/a.jsonl": b'{"id": "a", "title": "t", "text": "\xc0\xaf text"}\n'},
         expect="clean", needles=("a.jsonl",), records=1),
    Case("encoded-surrogate-bytes", {"in/a.jsonl": b'{"id": "a", "title": "t", "text": "\xed\xa0\x80 text"}\n'},
         expect="clean", needles=("a.jsonl",), records=1),
    Case("lone-surrogate-escape-text", {"in/a.jsonl": b'{"id": "a", "title": "t", "text": "x\\udc80y and more"}\n'},
         expect="clean", needles=("a.jsonl",), records=1),
    Case("lone-surrogate-escape-id", {"in/a.jsonl": b'{"id": "x\\udc80y", "title": "t", "text": "some text here"}\n'},
         expect="clean", needles=("a.jsonl",), records=1),
    Case("lone-surrogate-escape-url", {"in/a.jsonl": b'{"id": "a", "title": "t", "url": "http://x/\\udc80", '
                                                     b'"text": "some text here"}\n'},
         expect="clean", needles=("a.jsonl",), records=1),
    Case("bom-in-middle", {"in/a.jsonl": jsonl(art(1)) + b"\xef\xbb\xbf" + jsonl(art(2))}, expect="clean",
         needles=("a.jsonl",), records=2),
    Case("crlf-jsonl", {"in/a.jsonl": jsonl(art(1), art(2)).replace(b"\n", b"\r\n")}, expect="ok", records=2),
    Case("cr-only-jsonl", {"in/a.jsonl": jsonl(art(1), art(2)).replace(b"\n", b"\r")}, expect="clean",
         needles=("a.jsonl",), records=2),
    Case("emoji-and-rtl", {"in/a.jsonl": jsonl(art(1, text="Peace talks \U0001f54a\ufe0f \u0645\u0631\u062d\u0628\u0627 "
                                                         "resumed in the capital on Monday."))},
         expect="ok", records=1),
    Case("zero-width-chars", {"in/a.jsonl": jsonl(art(1, text="Talks\u200b resumed\u200d on\u2060 Monday in the city."))},
         expect="ok", records=1),
    Case("utf16-digest", {"in/a.txt": DIGEST.encode("utf-16")}, expect="clean", needles=("a.txt",), records=1),
    Case("latin1-csv", {"in/a.csv": "id,title,text\na,Caf\xe9,Le caf\xe9 est ouvert depuis longtemps.\n".encode("latin-1")},
         expect="clean", needles=("a.csv",), records=1),
    Case("mixed-utf8-latin1-csv", {"in/a.csv": "id,title,text\na,Caf\xe9,Le caf\xe9 est ouvert.\n".encode("utf-8")
                                   + "b,Th\xe9,Le th\xe9 est servi.\n".encode("latin-1")},
         expect="clean", needles=("a.csv",), records=2),
)

# -- JSON Lines ---------------------------------------------------------------
_J = "in/a.jsonl"
add(
    Case("json-syntax-line2", {_J: jsonl(art(1)) + b"{not json\n"}, needles=("a.jsonl:2",)),
    Case("json-trailing-comma", {_J: b'{"id": "a", "text": "x",}\n'}, needles=("a.jsonl:1",)),
    Case("json-array-line", {_J: b'["a", "b"]\n'}, needles=("a.jsonl:1",)),
    Case("json-string-line", {_J: b'"just a string"\n'}, needles=("a.jsonl:1",)),
    Case("json-number-line", {_J: b"42\n"}, needles=("a.jsonl:1",)),
    Case("json-null-line", {_J: b"null\n"}, needles=("a.jsonl:1",)),
    Case("json-true-line", {_J: b"true\n"}, needles=("a.jsonl:1",)),
    Case("json-missing-text", {_J: jsonl(art(1), {"id": "b", "title": "t"})}, needles=("a.jsonl:2",)),
    Case("json-text-number", {_J: jsonl({"id": "b", "title": "t", "text": 5})}, needles=("a.jsonl:1",)),
    Case("json-text-null", {_J: jsonl({"id": "b", "title": "t", "text": None})}, needles=("a.jsonl:1",)),
    Case("json-text-list", {_J: jsonl({"id": "b", "title": "t", "text": ["a", "b"]})}, needles=("a.jsonl:1",)),
    Case("json-text-object", {_J: jsonl({"id": "b", "title": "t", "text": {"a": 1}})}, needles=("a.jsonl:1",)),
    Case("json-only-empty-text", {_J: jsonl({"id": "b", "title": "t", "text": ""})},
         needles=("no records to publish", "empty_text")),
    Case("json-only-whitespace-text", {_J: jsonl({"id": "b", "title": "t", "text": " \n\t\u3000 "})},
         needles=("no records to publish", "empty_text")),
    Case("json-some-empty-text", {_J: jsonl(art(1), {"id": "b", "title": "t", "text": ""}, art(2),
                                            {"id": "c", "title": "t", "text": "   "})},
         expect="ok", records=4),
    Case("json-nbsp-only-text", {_J: jsonl(art(1), {"id": "b", "title": "t", "text": "\u00a0\u2003"})},
         expect="ok", records=2),
    Case("json-id-number", {_J: jsonl(dict(art(1), id=7), art(2))}, expect="clean", needles=("a.jsonl:1",), records=2),
    Case("json-id-huge-int", {_J: b'{"id": ' + b"9" * 5000 + b', "title": "t", "text": "some text here"}\n'},
         expect="clean", needles=("a.jsonl:1",), records=1),
    Case("json-id-list", {_J: jsonl(dict(art(1), id=["x"]))}, expect="clean", needles=("a.jsonl:1",), records=1),
    Case("json-id-empty", {_J: jsonl(dict(art(1), id=""), art(2))}, expect="clean", needles=("a.jsonl:1",), records=2),
    Case("json-id-with-spaces", {_J: jsonl(dict(art(1), id="a b c"), art(2))}, expect="clean",
         needles=("a.jsonl:1",), records=2),
    Case("json-deep-nesting", {_J: b'{"id": "a", "title": "t", "text": "x", "extra": ' + b"[" * 100000
                               + b"]" * 100000 + b"}\n"}, expect="clean", needles=("a.jsonl:1",), records=1,
         ),
    Case("json-deep-nesting-unclosed", {_J: b"[" * 50000 + b"\n"}, needles=("a.jsonl:1",),
         ),
    Case("json-duplicate-ids", {_J: jsonl(art(1), dict(art(2), id="a1"), dict(art(3), id="a1"))},
         expect="ok", records=3),
    Case("json-exact-copies", {_J: jsonl(art(1), art(1), art(1), art(2))}, expect="ok", records=4),
    Case("json-long-text", {_J: jsonl(art(1, text=" ".join(f"word{i}" for i in range(150000))))},
         expect="ok", records=1),
    Case("json-blank-lines", {_J: b"\n" + jsonl(art(1)) + b"\n\n" + jsonl(art(2)) + b"\n"}, expect="ok", records=2),
    Case("json-no-final-newline", {_J: jsonl(art(1), art(2)).rstrip(b"\n")}, expect="ok", records=2),
    Case("json-no-title", {_J: jsonl({"id": "a", "text": "Some article text without a title."})},
         gate=True, needles=("records.required", "empty title")),
    Case("json-title-null", {_J: jsonl(art(1, title=None))}, gate=True, needles=("records.required",)),
    Case("json-title-number", {_J: jsonl(art(1, title=5))}, expect="clean", needles=("a.jsonl:1",), records=1),
    Case("json-bad-date", {_J: jsonl(art(1, date="Feb 30 2020"))}, expect="clean", needles=("a.jsonl:1",),
         records=1),
    Case("json-date-number", {_J: jsonl(art(1, date=20200101))}, expect="clean", needles=("a.jsonl:1",), records=1),
    Case("json-extra-fields", {_J: jsonl(art(1, foo=1, bar={"x": [1, 2]}))}, expect="ok", records=1),
    Case("json-nan-literal", {_J: b'{"id": "a", "title": "t", "text": "some text", "score": NaN}\n'},
         expect="clean", needles=("a.jsonl:1",), records=1),
    Case("json-duplicate-keys", {_J: b'{"id": "a", "title": "t", "text": "first text", "text": "second text"}\n'},
         expect="clean", needles=("a.jsonl:1",), records=1),
    Case("json-escaped-unicode", {_J: b'{"id": "a", "title": "t", "text": "caf\\u00e9 \\ud83d\\ude00 open all day"}\n'},
         expect="ok", records=1),
    Case("json-control-chars", {_J: jsonl(art(1, text="Bell\x07 and escape\x1b in the body of it."))},
         expect="clean", needles=("a.jsonl:1",), records=1),
    Case("json-truncated-last-line", {_J: jsonl(art(1)) + b'{"id": "b", "title": "t", "te'}, needles=("a.jsonl:2",)),
    Case("json-skip-bad-line", {_J: jsonl(art(1)) + b"{bad\n" + jsonl(art(2))}, expect="ok", records=3,
         options=("--skip-bad-chunks",)),
    Case("json-skip-all-bad", {_J: b"{bad\n{worse\n"}, options=("--skip-bad-chunks",),
         needles=("no records to publish",)),
    Case("json-many-records-one-bad-far", {_J: jsonl(*[art(i) for i in range(600)]) + b"oops\n"},
         needles=("a.jsonl:601",)),
    Case("json-gz-bad-line", {"in/a.jsonl.gz": gzip.compress(jsonl(art(1)) + b"{bad\n")}, needles=("a.jsonl.gz:2",)),
    Case("json-ndjson-suffix", {"in/a.ndjson": jsonl(art(1), art(2))}, expect="ok", records=2),
    Case("json-uppercase-suffix", {"in/a.JSONL": jsonl(art(1))}, expect="clean", needles=("a.JSONL",), records=1),
)

# -- CSV -----------------------------------------------------------------------
_C = "in/a.csv"
add(
    Case("csv-header-only", {_C: csv_text("id,title,text")}, needles=("no records to publish", "a.csv")),
    Case("csv-no-text-column", {_C: csv_text("id,title,body", "a,t,hello")}, needles=("a.csv:1", "text")),
    Case("csv-semicolons", {_C: csv_text("id;title;text", "a;t;hello")}, needles=("a.csv:1",)),
    Case("csv-too-many-fields", {_C: csv_text("id,title,text", *good_rows(2), "c,t,x,y")}, needles=("a.csv:4",)),
    Case("csv-too-few-fields", {_C: csv_text("id,title,text", "a,t")}, needles=("a.csv:2",)),
    Case("csv-unclosed-quote", {_C: csv_text("id,title,text", *good_rows(1), 'b,t,"never closed')},
         needles=("a.csv",)),
    Case("csv-quoted-newlines", {_C: csv_text("id,title,text", 'a,t,"line one of the text\nline two of it"')},
         expect="ok", records=1),
    Case("csv-empty-text-cell", {_C: csv_text("id,title,text", *good_rows(2), "c,t,")}, expect="ok", records=3),
    Case("csv-whitespace-text", {_C: csv_text("id,title,text", *good_rows(1), 'c,t,"   "')}, expect="ok", records=2),
    Case("csv-all-empty-text", {_C: csv_text("id,title,text", "a,t,", "b,t,")},
         needles=("no records to publish", "empty_text")),
    Case("csv-bom", {_C: b"\xef\xbb\xbf" + csv_text("id,title,text", *good_rows(2))}, expect="clean",
         needles=("a.csv",), records=2),
    Case("csv-crlf", {_C: csv_text("id,title,text", *good_rows(2)).replace(b"\n", b"\r\n")}, expect="ok", records=2),
    Case("csv-blank-lines-only", {_C: b"\n\n\n"}, needles=("a.csv",)),
    Case("csv-header-spaces", {_C: csv_text(" id , title , text ", *good_rows(2))}, expect="ok", records=2),
    Case("csv-duplicate-text-column", {_C: csv_text("id,title,text,text", "a,t,one text here,two text here")},
         expect="clean", needles=("a.csv",), records=1),
    Case("csv-skip-bad-row", {_C: csv_text("id,title,text", *good_rows(2), "x,y,z,w", *good_rows(3)[2:])},
         expect="ok", records=4, options=("--skip-bad-chunks",)),
    Case("csv-nul-byte", {_C: csv_text("id,title,text", "a,t,hello\x00world text")}, expect="clean",
         needles=("a.csv",), records=1),
    Case("csv-wide-row", {_C: csv_text("id,title,text," + ",".join(f"c{i}" for i in range(2000)),
                                       "a,t,some text here," + ",".join("v" for _ in range(2000)))},
         expect="ok", records=1),
    Case("csv-gz-ok", {"in/a.csv.gz": gzip.compress(csv_text("id,title,text", *good_rows(3)))}, expect="ok",
         records=3),
    Case("csv-no-title-column", {_C: csv_text("id,text", "a,some text of the article")}, gate=True,
         needles=("records.required",)),
    Case("csv-huge-field", {_C: csv_text("id,title,text", "a,t," + "word " * 100000)}, expect="clean",
         needles=("a.csv",), records=1),
    Case("csv-header-after-blank", {_C: b"\n\n" + csv_text("id,title,text", *good_rows(1))}, expect="ok", records=1),
)

# -- Parquet -------------------------------------------------------------------
_P = "in/a.parquet"


def ptable(**columns) -> bytes:
    return parquet(pa.table(columns))


_TEXTS = [f"Article {i} " + " ".join(f"w{i}x{j}" for j in range(12)) for i in range(3)]
add(
    Case("parquet-zero-rows", {_P: parquet(pa.table({"id": pa.array([], pa.string()), "title": pa.array([], pa.string()),
                                                      "text": pa.array([], pa.string())}))},
         needles=("no records to publish", "a.parquet")),
    Case("parquet-no-text", {_P: ptable(id=["a"], body=["x"])}, needles=("a.parquet",)),
    Case("parquet-text-int", {_P: ptable(id=["a"], title=["t"], text=[5])}, needles=("a.parquet",)),
    Case("parquet-text-null", {_P: ptable(id=["a", "b"], title=["t", "t"], text=[_TEXTS[0], None])},
         expect="clean", needles=("a.parquet",), records=2),
    Case("parquet-text-empty", {_P: ptable(id=["a", "b"], title=["t", "u"], text=[_TEXTS[0], ""])},
         expect="ok", records=2),
    Case("parquet-corrupt", {_P: b"PAR1" + os.urandom(200) + b"PAR1"}, needles=("a.parquet",)),
    Case("parquet-random-bytes", {_P: os.urandom(300)}, needles=("a.parquet",)),
    Case("parquet-empty-file", {_P: b""}, needles=("a.parquet",)),
    Case("parquet-truncated", {_P: ptable(id=["a", "b", "c"], title=["t"] * 3, text=_TEXTS)[:-30]},
         needles=("a.parquet",)),
    Case("parquet-is-csv", {_P: csv_text("id,title,text", *good_rows(1))}, needles=("a.parquet",)),
    Case("parquet-ok", {_P: ptable(id=["a", "b", "c"], title=["t1", "t2", "t3"], text=_TEXTS)}, expect="ok",
         records=3),
    Case("parquet-large-string", {_P: parquet(pa.table({"id": ["a"], "title": ["t"],
                                                        "text": pa.array([_TEXTS[0]], pa.large_string())}))},
         expect="ok", records=1),
    Case("parquet-dictionary", {_P: parquet(pa.table({"id": ["a", "b"], "title": ["t", "u"],
                                                      "text": pa.array(_TEXTS[:2]).dictionary_encode()}))},
         expect="clean", needles=("a.parquet",), records=2),
    Case("parquet-timestamp-date", {_P: parquet(pa.table({"id": ["a"], "title": ["t"], "text": [_TEXTS[0]],
                                                          "date": pa.array([0], pa.timestamp("s"))}))},
         expect="clean", needles=("a.parquet",), records=1),
    Case("parquet-id-int", {_P: ptable(id=[1, 2], title=["t", "u"], text=_TEXTS[:2])}, expect="clean",
         needles=("a.parquet",), records=2),
    Case("parquet-nested-extra", {_P: parquet(pa.table({"id": ["a"], "title": ["t"], "text": [_TEXTS[0]],
                                                        "meta": [{"x": 1}]}))}, expect="ok", records=1),
    Case("parquet-binary-text", {_P: parquet(pa.table({"id": ["a"], "title": ["t"],
                                                       "text": pa.array([b"\xff\xfe"], pa.binary())}))},
         needles=("a.parquet",)),
    Case("parquet-all-null-text", {_P: parquet(pa.table({"id": ["a"], "title": ["t"],
                                                         "text": pa.array([None], pa.string())}))},
         needles=("a.parquet",)),
)

# -- digests ---------------------------------------------------------------------
_D = "in/a.txt"
add(
    Case("digest-ok", {_D: DIGEST.encode()}, expect="clean", needles=("a.txt",), records=1),
    Case("digest-random-prose", {_D: b"Just some prose with no structure at all.\nAnother line.\n"}, expect="clean",
         needles=("a.txt",), records=1),
    Case("digest-crlf", {_D: DIGEST.replace("\n", "\r\n").encode()}, expect="clean", needles=("a.txt",), records=1),
    Case("digest-headers-only", {_D: b"Voice of America\n27 September 2020\nTitle only\n"}, expect="clean",
         needles=("a.txt",), records=1),
    Case("digest-nul", {_D: DIGEST.replace("Heavy", "He\x00avy").encode()}, expect="clean", needles=("a.txt",),
         records=1),
    Case("digest-long-line", {_D: (DIGEST + "x" * 2_000_000 + "\n").encode()}, expect="clean", needles=("a.txt",),
         records=1),
    Case("digest-truncated-seed", {_D: lambda p: p.write_bytes(_seed()[: len(_seed()) // 3])}, expect="clean",
         needles=("a.txt",), records=None),
    Case("digest-seed-cut-mid-line", {_D: lambda p: p.write_bytes(_seed()[:4097])}, expect="clean",
         needles=("a.txt",), records=None),
    Case("digest-bad-date", {_D: DIGEST.replace("27 September 2020", "30 February 2020").encode()},
         expect="clean", needles=("a.txt",), records=1),
    Case("digest-unknown-suffix", {"in/a.digest": DIGEST.encode()}, expect="clean", needles=("a.digest",), records=1),
    Case("digest-gz", {"in/a.txt.gz": gzip.compress(DIGEST.encode())}, expect="clean", needles=("a.txt.gz",),
         records=1),
)


def _seed() -> bytes:
    from helpers import SEED_DIR

    return sorted(Path(SEED_DIR).glob("*.txt"))[0].read_bytes()


# -- output paths and the build's own folder ---------------------------------------
_OK = {"in/a.jsonl": jsonl(art(1), art(2))}


def _file_at(rel: str) -> Callable:
    def setup(project: Path) -> None:
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text("not a folder")
    return setup


def _symlink(rel: str, to: str) -> Callable:
    def setup(project: Path) -> None:
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(to, project / rel)
    return setup


def _lock(pid: int, start: str | None, name: str = ".corpuskit-build-1.0.0") -> Callable:
    def setup(project: Path) -> None:
        folder = project / "out" / name
        (folder / "spill").mkdir(parents=True)
        (folder / "spill" / "records.arrows").write_bytes(b"x" * 100)
        (folder / "lock").write_text(json.dumps({"pid": pid, "start": start, "token": "t", "target": "x"}))
    return setup


def _live_lock(project: Path) -> None:
    from corpuskit.publish.workspace import _start_time

    _lock(os.getpid(), _start_time(os.getpid()))(project)


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _not_ours(project: Path) -> None:
    (project / "out" / ".corpuskit-build-x-junk").mkdir(parents=True)
    (project / "out" / ".corpuskit-build-x-junk" / "lock").write_text("not json")
    (project / "out" / ".tmp-notes").mkdir()
    (project / "out" / ".tmp-1.0.0-1").mkdir()


def _published_other(project: Path) -> None:
    (project / "out" / "1.0.0").mkdir(parents=True)
    (project / "out" / "1.0.0" / "x.txt").write_text("something else")


add(
    Case("out-under-file", _OK, ["in", "--out", "f/x/1.0.0"], setup=_file_at("f/x"), needles=("is a file",)),
    Case("out-is-file", _OK, ["in", "--out", "f"], setup=_file_at("f"), needles=("f", "not a folder")),
    Case("out-symlink-to-dir", _OK, ["in", "--out", "lnk"], setup=_symlink("lnk", "elsewhere"),
         needles=("lnk", "symbolic link")),
    Case("out-dangling-symlink", _OK, ["in", "--out", "lnk"], setup=_symlink("lnk", "missing"),
         needles=("lnk", "symbolic link")),
    Case("out-parent-symlink", _OK, ["in", "--out", "lnk/1.0.0"], setup=_symlink("lnk", "."),
         needles=("lnk", "symbolic link")),
    Case("out-inside-input", _OK, ["in", "--out", "in/out"], needles=("inside the input",)),
    Case("out-is-input-folder", _OK, ["in", "--out", "in"], needles=("in",)),
    Case("out-inside-glob-input", _OK, ["in/*.jsonl", "--out", "in/x/1.0.0"], needles=("inside the input",)),
    Case("input-inside-out", {"out/1.0.0/a.jsonl": jsonl(art(1))}, ["out/1.0.0/a.jsonl", "--out", "out/1.0.0"],
         needles=("inside --out",)),
    Case("out-published-differently", _OK, ["in", "--out", OUT], setup=_published_other,
         needles=("already published",)),
    Case("out-empty-folder-ok", _OK, ["in", "--out", OUT], setup=lambda p: (p / OUT).mkdir(parents=True),
         expect="ok", records=2),
    Case("out-deep-new-parents", _OK, ["in", "--out", "out/a/b/c/1.0.0"], expect="ok", records=2),
    Case("out-live-lock", _OK, setup=_live_lock, needles=("another build", "running")),
    Case("out-stale-lock-removed", _OK, setup=lambda p: _lock(_dead_pid(), None)(p), expect="ok", records=2,
         allowed=("out/.corpuskit-build-1.0.0",)),
    Case("out-reused-pid-lock-removed", _OK, setup=lambda p: _lock(os.getpid(), "1")(p), expect="ok",
         records=2, allowed=("out/.corpuskit-build-1.0.0",)),
    Case("out-stale-other-version-removed", _OK, setup=lambda p: _lock(_dead_pid(), None,
                                                                        ".corpuskit-build-0.9.0")(p),
         expect="ok", records=2, allowed=("out/.corpuskit-build-0.9.0",)),
    Case("out-live-other-version-kept", _OK, setup=lambda p: _lock(os.getpid(), None, ".corpuskit-build-2.0.0")(p),
         expect="ok", records=2),
    Case("out-foreign-folders-untouched", _OK, setup=_not_ours, expect="ok", records=2),
    Case("out-build-name-taken-by-file", _OK, setup=_file_at("out/.corpuskit-build-1.0.0"),
         needles=("not a corpuskit build folder",)),
    Case("stats-json-missing-folder", _OK, ["in", "--out", OUT, "--stats-json", "nope/s.json"],
         needles=("--stats-json", "nope")),
    Case("stats-json-is-folder", _OK, ["in", "--out", OUT, "--stats-json", "sdir"],
         setup=lambda p: (p / "sdir").mkdir(), usage=True, code=2, needles=("--stats-json", "directory")),
    Case("stats-json-under-file", _OK, ["in", "--out", OUT, "--stats-json", "f/s.json"], setup=_file_at("f"),
         needles=("--stats-json",)),
    Case("stats-json-ok", _OK, ["in", "--out", OUT, "--stats-json", "s.json"], expect="ok", records=2,
         allowed=("s.json",)),
    Case("config-missing", _OK, ["in", "--out", OUT, "--config", "nope.toml"], needles=("nope.toml",)),
)

# -- gate relaxations ----------------------------------------------------------------
add(
    Case("skip-unknown-check", _OK, config=CONFIG + 'skip = ["records.nope"]\n', needles=("skip", "records.nope")),
    Case("skip-not-a-list", _OK, config=CONFIG + 'skip = "records.ids"\n', needles=("skip",)),
    Case("allow-empty-not-bool", _OK, config=CONFIG + 'allow_empty = "yes"\n', needles=("allow_empty",)),
    Case("allow-empty-header-only-csv", {_C: csv_text("id,title,text")}, config=CONFIG + "allow_empty = true\n",
         expect="ok", records=0),
    Case("skip-required-no-titles", {_J: jsonl({"id": "a", "text": "A body without any title at all."})},
         config=CONFIG + 'skip = ["records.required"]\n', expect="ok", records=1),
    Case("min-chars-gate-fails", _OK, config=CONFIG.replace("min_chars = 1", "min_chars = 5000"), gate=True,
         needles=("records.min_chars",)),
    Case("skip-family", _OK, config=CONFIG.replace("min_chars = 1", "min_chars = 5000") + 'skip = ["records"]\n',
         expect="ok", records=2),
)

# -- clean / check output paths --------------------------------------------------------
add(
    Case("clean-out-missing-folder", _OK, ["clean", "in", "--out", "nope/x.jsonl"], command="raw",
         needles=("--out", "nope")),
    Case("clean-out-is-folder", _OK, ["clean", "in", "--out", "sdir"], command="raw",
         setup=lambda p: (p / "sdir").mkdir(), usage=True, code=2, needles=("--out", "directory")),
    Case("clean-fails-midway-no-tmp", {_J: jsonl(*[art(i) for i in range(300)]) + b"{bad\n"},
         ["clean", "in", "--out", "c.jsonl"], command="raw", needles=("a.jsonl:301",)),
    Case("clean-fifo-input", {"in/a.jsonl": fifo}, ["clean", "in", "--out", "c.jsonl"], command="raw",
         needles=("a.jsonl", "FIFO")),
    Case("clean-ok", _OK, ["clean", "in", "--out", "c.jsonl"], command="raw", expect="ok", allowed=("c.jsonl",)),
    Case("check-json-missing-folder", {}, ["check", "DIST", "--json", "nope/r.json", "--no-load"], command="raw",
         needles=("--json", "nope")),
    Case("check-json-is-folder", {}, ["check", "DIST", "--json", "sdir", "--no-load"], command="raw",
         setup=lambda p: (p / "sdir").mkdir(), usage=True, code=2, needles=("--json", "directory")),
    Case("check-missing-folder", {}, ["check", "nope/1.0.0"], command="raw", code=2, needles=("nope/1.0.0",)),
    Case("check-not-a-version", {"v/x.txt": b"x"}, ["check", "v"], command="raw", code=2, needles=("v",)),
)

if not ROOT_USER:  # permissions do not bind root
    add(
        Case("out-read-only-parent", _OK, ["in", "--out", "ro/1.0.0"],
             setup=lambda p: ((p / "ro").mkdir(), os.chmod(p / "ro", 0o555)), needles=("ro", "permission")),
        Case("stats-json-read-only", _OK, ["in", "--out", OUT, "--stats-json", "ro/s.json"],
             setup=lambda p: ((p / "ro").mkdir(), os.chmod(p / "ro", 0o555)), needles=("--stats-json",)),
        Case("clean-read-only", _OK, ["clean", "in", "--out", "ro/c.jsonl"], command="raw",
             setup=lambda p: ((p / "ro").mkdir(), os.chmod(p / "ro", 0o555)), needles=("--out",)),
    )


# -- the harness ---------------------------------------------------------------------------
def _snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with its kind and content digest (never opening FIFOs/sockets)."""
    out = {}
    for directory, dirs, names in os.walk(root):
        for name in dirs + names:
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, root)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                out[rel] = "link:" + os.readlink(path)
            elif stat.S_ISDIR(mode):
                out[rel] = "dir"
            elif stat.S_ISREG(mode):
                out[rel] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            else:
                out[rel] = "special"
    return out


def _materialise(project: Path, case: Case) -> None:
    (project / "corpuskit.toml").write_text(case.config)
    for rel, content in case.files.items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        else:
            path.write_bytes(content)
    for sentinel in (project / ".tmp-keep", project / "out" / ".tmp-keep"):
        sentinel.mkdir(parents=True, exist_ok=True)
        (sentinel / "keep.txt").write_text("the user's")
    if case.setup:
        case.setup(project)


def _args(case: Case, dist: Path) -> list[str]:
    if case.command == "raw":
        return [str(dist) if a == "DIST" else a for a in case.args]
    args = ["build", *case.args]
    if "--out" not in args:
        args += ["--out", OUT]
    if "--config" not in args:
        args += ["--config", "corpuskit.toml"]
    return args + ["--workers", "1", "-q", *case.options]


def _out_of(args: list[str]) -> str | None:
    return args[args.index("--out") + 1] if "--out" in args else None


GATE_LINE = "check(s) of the gate; nothing was published"


def _assert_clean_error(case: Case, result, stderr: str) -> None:
    assert result.exit_code == case.code, (case.id, result.exit_code, stderr, result.output)
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("Warning: skipped: ")]
    if case.usage:  # click's own refusal of an option value
        lines = [line for line in lines if line.startswith("Error: ")]
    assert lines and lines[0].startswith("Error: "), (case.id, stderr)
    if case.gate or (case.expect == "clean" and GATE_LINE in lines[0]):
        assert all(line.startswith("  FAIL ") for line in lines[1:]) and len(lines) > 1, (case.id, stderr)
        if not case.gate:
            return  # the input was accepted; the gate names the failing check and records
    else:
        assert len(lines) == 1, (case.id, stderr)
    for needle in case.needles:
        assert needle in stderr, (case.id, needle, stderr)


def _assert_accounted(case: Case, project: Path, out: str) -> None:
    manifest = json.loads((project / out / "manifest.json").read_text())
    kept, removed = manifest["rows"]["default"], manifest["rows"]["removed"]
    skipped = len(manifest["skipped_chunks"])
    if case.records is not None:
        assert kept + removed + skipped == case.records, (case.id, kept, removed, skipped)
    # every removed record says why: the reasons add up to the removed rows
    assert sum(manifest["removed_by_reason"].values()) == removed, (case.id, manifest["removed_by_reason"])


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A small published version for the ``check`` cases."""
    project = tmp_path_factory.mktemp("published")
    (project / "corpuskit.toml").write_text(CONFIG)
    (project / "a.jsonl").write_bytes(jsonl(art(1), art(2)))
    old = os.getcwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, ["build", "a.jsonl", "--config", "corpuskit.toml", "--out",
                                           "dist/bad/1.0.0", "--workers", "1", "-q"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return project / "dist" / "bad" / "1.0.0"


PARAMS = [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=c.pending, strict=True)] if c.pending else [])
          for c in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_bad_input(case: Case, tmp_path: Path, published: Path, monkeypatch) -> None:
    project = tmp_path / "p"
    project.mkdir()
    _materialise(project, case)
    before = _snapshot(project)
    monkeypatch.chdir(project)
    args = _args(case, published)
    result = CliRunner().invoke(main, args)
    stderr = result.stderr
    _record_outcome(case, result, stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), (case.id, repr(result.exception))
    assert "Traceback" not in stderr + result.output and "internal error" not in stderr, (case.id, stderr)
    out = _out_of(args) if case.command == "build" else None
    succeeded = result.exit_code == 0
    if case.expect == "ok" or (case.expect == "clean" and succeeded):
        assert succeeded, (case.id, result.exit_code, stderr)
        if out:
            _assert_accounted(case, project, out)
    else:
        _assert_clean_error(case, result, stderr)

    after = _snapshot(project)
    created = {rel for rel in set(after) - set(before)}
    changed = {rel for rel in set(before) & set(after) if before[rel] != after[rel]}
    gone = set(before) - set(after)
    allowed_prefixes = tuple(case.allowed)
    if succeeded and out:
        allowed_prefixes += (os.path.normpath(out),)
        parents = Path(os.path.normpath(out)).parents
        created -= {str(p) for p in parents}
    leftover = {rel for rel in created | changed | gone
                if not rel.startswith(allowed_prefixes) or not allowed_prefixes}
    assert not leftover, (case.id, sorted(leftover))
    assert (project / ".tmp-keep" / "keep.txt").exists() and (project / "out" / ".tmp-keep" / "keep.txt").exists()
    if not succeeded and out and case.id not in ("out-published-differently", "out-empty-folder-ok"):
        assert not (project / os.path.normpath(out) / "manifest.json").exists(), case.id
    assert not [n for n in os.listdir(project) if ".tmp-" in n and n != ".tmp-keep"], case.id


def _record_outcome(case: Case, result, stderr: str) -> None:
    """With CORPUSKIT_CORPUS_REPORT=FILE, append each case's outcome (for the issue's counts)."""
    path = os.environ.get("CORPUSKIT_CORPUS_REPORT")
    if not path:
        return
    outcome = ("traceback" if "Traceback" in stderr + result.output else
               "internal error" if "internal error" in stderr else
               "published" if result.exit_code == 0 else "clean error")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"case": case.id, "exit": result.exit_code, "outcome": outcome,
                                 "message": stderr.strip().splitlines()[:1]}) + "\n")


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 120
