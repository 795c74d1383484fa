"""The provenance checks' reading: what makes them cheaper reads the same bytes and finds
the same problems.

``provenance.spans`` reads a batch's cited stretch of a source at once (:class:`_FileBytes`
windows) and a streamed span's text without splitting it into lines; the replay reads the
rows' spans from Arrow and matches each record to its rows by a cursor; a source scanned
once in a process is not scanned again while it is unchanged (``scan_plain``). Each is
compared here with the plain computation, and problems planted in a built version are
found, with the same words, by the checks that found them before.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import random
import shutil
import time

import pyarrow as pa
import pytest
from test_check import NAME, edit_row, folder, good_project, read_rows  # noqa: F401 - fixtures

from corpuskit._check import run_checks
from corpuskit.readers import compression

# -- spans: the bytes and lines read ----------------------------------------------


@pytest.mark.parametrize("window", [64, 1 << 20])
def test_bytes_cut_from_a_window_read_ahead_are_the_files_bytes(tmp_path, monkeypatch, window):
    from corpuskit._check import provenance
    from corpuskit._check.provenance import _FileBytes

    monkeypatch.setattr(provenance, "WINDOW", window)

    data = bytes(random.Random(1).randrange(256) for _ in range(5000))
    path = tmp_path / "source.bin"
    path.write_bytes(data)
    cuts = [(0, 10), (100, 200), (150, 4999), (4990, 6000), (300, 250), (-20, -5), (0, 5000), (2500, 2500)]
    for stretch in ((100, 300), (0, 5000), (4000, 9000), (-100, 50), (300, 100)):
        read = _FileBytes(str(path), len(data))
        read.read_ahead(*stretch)
        for start, end in cuts:  # inside, straddling and outside the window
            assert read[start:end] == data[start:end], (stretch, start, end)
        assert len(read) == len(data)


@pytest.mark.parametrize("data", [
    b"first line\nsecond \xc3\xa9 line\n\nlast without newline",
    b"\xef\xbb\xbfwith a byte-order mark\r\nand CRLF\r\n",
    b"ends with a newline\n",
])
def test_a_streamed_spans_text_is_its_lines_joined(tmp_path, data):
    from corpuskit._check.provenance import _joined, _StreamedText
    from corpuskit.readers.compression import scan_plain
    from corpuskit.readers.source import load_source

    path = tmp_path / "source.txt"
    path.write_bytes(data)
    whole = load_source(str(path), str(tmp_path))
    _, _, bom = scan_plain(str(path), "source.txt")
    streamed = _StreamedText(str(path), bom, len(data))
    lines = len(whole.lines)
    for first in range(-1, lines + 1):
        for stop in range(first, lines + 2):
            assert _joined(streamed.lines, first, stop) == "\n".join(whole.lines[first:stop]), (first, stop)
            assert streamed.lines[first:stop] == whole.lines[first:stop]


# -- scan_plain: a source scanned once a process while it is unchanged ------------


@pytest.fixture
def passes(monkeypatch):
    """The files ``scan_plain`` reads (each a pass over the file), none remembered yet."""
    read, scan = [], compression._scan_plain
    monkeypatch.setattr(compression, "_SCANNED", {})
    monkeypatch.setattr(compression, "_scan_plain", lambda path, shown: (read.append(path), scan(path, shown))[1])
    return read


def test_a_file_changed_just_now_is_scanned_every_time(tmp_path, passes):
    path = tmp_path / "source.txt"
    path.write_bytes(b"one line\n")
    first = compression.scan_plain(str(path), "source.txt")
    assert compression.scan_plain(str(path), "source.txt") == first
    assert passes == [str(path)] * 2  # its change time is too recent to tell a later change


def test_a_settled_file_is_scanned_once_and_again_once_changed(tmp_path, passes, monkeypatch):
    monkeypatch.setattr(compression, "SETTLED_SECONDS", -3600.0)  # as if it last changed long ago
    path = tmp_path / "source.txt"
    path.write_bytes(b"one line\n")
    first = compression.scan_plain(str(path), "source.txt")
    assert compression.scan_plain(str(path), "source.txt") == first and len(passes) == 1
    before = os.stat(path)
    time.sleep(0.05)
    path.write_bytes(b"two line\n")  # same size...
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # ...and modification time
    if os.stat(path).st_ctime_ns == before.st_ctime_ns:
        pytest.skip("this file system's change times are coarser than 50 ms")
    again = compression.scan_plain(str(path), "source.txt")
    assert again[0] == hashlib.sha256(b"two line\n").hexdigest() != first[0] and len(passes) == 2


def test_the_provenance_checks_of_a_process_scan_each_settled_source_once(good_project, passes, monkeypatch):  # noqa: F811 - fixtures
    """sources, spans, merged and the replay (the replay's reader too) in one process: one
    pass over each source (the gate's worker runs them all; each scanned every source)."""
    monkeypatch.setattr(compression, "SETTLED_SECONDS", -3600.0)
    version = next((good_project / "dist" / NAME).iterdir())
    report = run_checks(str(version), load=False, only=["provenance"], workers=1)
    assert [r.status for r in report.results] == ["pass"] * 4, report.render()
    assert passes and sorted(passes) == sorted(set(passes))


# -- problems planted in a built version: both checks find theirs ------------------


def _findings(version, workers=1, warnings=True):
    report = run_checks(str(version), load=False, only=["provenance"], workers=workers, warnings=warnings)
    return {r.name: (r.status, [(p.item, p.reason) for p in r.problems],
                     [(p.item, p.reason) for p in r.warnings], r.summary) for r in report.results}


def test_planted_span_title_and_id_problems_are_found_by_spans_and_replay(folder):  # noqa: F811 - fixtures
    from test_check import write_rows

    rows = read_rows(folder)
    prov = rows[0]["provenance"]
    rows[0] = dict(rows[0], provenance=dict(prov, start_line=prov["start_line"] + 1))  # line span off by one
    rows[1] = dict(rows[1], title="A headline that appears nowhere in the source")
    other = rows[3]["provenance"]  # the span of another article
    rows[2] = dict(rows[2], provenance=dict(rows[2]["provenance"], **{k: other[k] for k in (
        "start_line", "end_line", "start_byte", "end_byte")}))
    write_rows(folder, rows)
    removed = read_rows(folder, "removed")
    gone = removed[0]["provenance"]
    removed[0] = dict(removed[0], provenance=dict(gone, end_byte=gone["end_byte"] - 1))
    write_rows(folder, removed, "removed")
    found = _findings(folder)
    assert found["provenance.spans"] == ("fail", [
        (rows[0]["id"], "byte span 0-5397 does not match lines 2-59 (bytes 80-5397)"),
        (rows[1]["id"], ("title 'A headline that appears nowhere in the source' not in lines 121-179 of "
                         "seeds/000_cfc82215a48762bb.txt")),
        (rows[2]["id"], f"id {rows[2]['id']} is not the content hash of the cited span"),
        (f"{removed[0]['id']} (removed)", "byte span 5399-10795 does not match lines 61-119 (bytes 5399-10796)"),
    ], [], "4 broken span(s)")
    assert found["provenance.replay"] == ("fail", [
        (rows[0]["id"], "the source holds no record at this span"),
        (rows[1]["id"], "the edit log makes title other than published"),
        (rows[2]["id"], ("the edit log does not replay: edit 1 (normalize_whitespace text): fix 1033:1034 "
                         "does not fit a value of 196 characters after a fix ending at 0")),
        (f"{removed[0]['id']} (removed)", "the source holds no record at this span"),
    ], [], "6/10 records replay from their sources to the published text")
    assert found["provenance.merged"][:2] == ("fail", [
        (f"{removed[0]['id']} (merged into {rows[0]['id']})", "span differs from the removed config's copy")])
    assert found["provenance.sources"][0] == "pass"
    assert found == _findings(folder, workers=2) == _findings(folder, workers=2, warnings=False)


@pytest.mark.parametrize("how", ["changed", "missing"])
def test_a_changed_or_missing_source_leaves_spans_and_replay_unverified_and_fails_sources(folder, how, chdir):  # noqa: F811 - fixtures
    chdir(folder.parents[3])  # not the repository, whose seeds/ would be found from the cwd
    seed = folder.parents[2] / "seeds" / "000_cfc82215a48762bb.txt"
    cited = hashlib.sha256(seed.read_bytes()).hexdigest()
    edit_row(folder, 1, title="A headline that appears nowhere in the source")  # unverifiable now
    if how == "changed":
        seed.chmod(0o644)
        seed.write_bytes(seed.read_bytes().replace(b"Turkey", b"Turkiye", 1))
        why = f"has sha256 {hashlib.sha256(seed.read_bytes()).hexdigest()[:12]}…, records cite {cited[:12]}…"
    else:
        shutil.rmtree(seed.parent)
        why = f"not found under {folder.parents[2]}"
    found = _findings(folder)
    assert found["provenance.spans"] == (
        "pass", [], [], "0 spans valid and holding their titles; 10 not verifiable (see provenance.sources)")
    assert found["provenance.replay"] == (
        "warn", [], [("seeds/000_cfc82215a48762bb.txt",
                      f"10 record(s) cannot be replayed: source seeds/000_cfc82215a48762bb.txt {why}")],
        "0/10 records replay from their sources to the published text; 10 not replayable")
    sources = found["provenance.sources"]
    if how == "changed":
        assert sources[0] == "fail" and sources[1][0][1].endswith(f"record cites {cited[:12]}…")
    else:  # recorded by sha256 in the manifest: a warning
        assert sources[0] == "warn" and "not shipped" in sources[2][0][1]
    assert found == _findings(folder, workers=2)


# -- replay: the rows' spans from Arrow, records matched by a cursor ------------------


def _resolved(values):
    """Each row's values with ``fixed`` decided (or the error deciding it raises)."""
    out = []
    for path, sha256, span, fixed in values:
        if callable(fixed):
            try:
                fixed = fixed()
            except Exception as exc:  # noqa: BLE001 - compared: the dicts' way raises it too
                fixed = type(exc).__name__
        out.append((path, sha256, list(span), fixed))
    return out


EDIT = pa.struct([("step", pa.string()), ("field", pa.string()), ("fixes", pa.list_(pa.string()))])
PROVENANCE = pa.struct([("source_path", pa.string()), ("source_sha256", pa.string()),
                        ("start_line", pa.int64()), ("end_line", pa.int64()),
                        ("start_byte", pa.int64()), ("end_byte", pa.int64()), ("edits", pa.list_(EDIT))])
ROWS = [
    {"source_path": "a.txt", "source_sha256": "ab", "start_line": 1, "end_line": 2, "start_byte": 0,
     "end_byte": 9, "edits": [{"step": "read", "field": "date", "fixes": ["x"]}]},
    {"source_path": "a.txt", "source_sha256": "ab", "start_line": 3, "end_line": None, "start_byte": 10,
     "end_byte": 20, "edits": [{"step": "s", "field": "text", "fixes": None}, {"step": "t", "field": "t",
                                                                              "fixes": []}]},
    None,  # no provenance
    {"source_path": None, "source_sha256": "cd", "start_line": 5, "end_line": 5, "start_byte": 30,
     "end_byte": 40, "edits": None},
    {"source_path": "b.txt", "source_sha256": "cd", "start_line": 5, "end_line": 5, "start_byte": 30,
     "end_byte": 40, "edits": []},
]


@pytest.mark.parametrize("provenance, rows", [
    (PROVENANCE, ROWS),
    (pa.struct([f for f in PROVENANCE if f.name not in ("end_byte", "edits")]),  # fields missing
     [r and {k: v for k, v in r.items() if k not in ("end_byte", "edits")} for r in ROWS]),
    (pa.struct([*(f for f in PROVENANCE if f.name != "edits"),  # edits without fixes
                ("edits", pa.list_(pa.struct([("step", pa.string())])))]),
     [r and dict(r, edits=[{"step": "s"}] if i % 2 else []) for i, r in enumerate(ROWS)]),
    (PROVENANCE, [dict(ROWS[0], edits=[None, ROWS[0]["edits"][0]]), ROWS[1], ROWS[0]]),  # a null edit
    (pa.struct([*(f for f in PROVENANCE if f.name not in ("start_line", "edits")),  # not the schema's types
                ("start_line", pa.bool_()), ("edits", pa.string())]),
     [r and dict(r, start_line=bool(i % 2), edits="odd") for i, r in enumerate(ROWS)]),
    (pa.string(), ["not a struct", None]),
])
def test_the_replays_rows_read_from_arrow_are_what_their_dicts_say(provenance, rows):
    from corpuskit._check.replay import _dict_values, _row_values

    def outcome(make):  # the values, or the error making them raises (a crashed check either way)
        try:
            return _resolved(make())
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__

    batch = pa.RecordBatch.from_pylist([{"provenance": r} for r in rows],
                                       schema=pa.schema([("provenance", provenance)]))
    assert outcome(lambda: _row_values(batch)) == outcome(lambda: [_dict_values(r) for r in batch.to_pylist()])
    empty = pa.RecordBatch.from_pylist([{"other": 1}] * 2)
    assert outcome(lambda: _row_values(empty)) == outcome(lambda: [_dict_values(r) for r in empty.to_pylist()])


def test_the_first_span_at_a_byte_is_found_from_any_hint():
    from array import array

    from corpuskit._check.replay import _first_at

    rng = random.Random(3)
    starts = sorted(rng.choice([-1, 0, 5, 5, 5, 9, 12, 12, 40]) for _ in range(30))
    flat = array("q", [n for start in starts for n in (1, 2, start, start + 3)])
    for start in (-2, -1, 0, 3, 5, 6, 12, 40, 41):
        for hint in range(len(starts) + 1):
            assert _first_at(flat, start, hint) == bisect.bisect_left(starts, start), (start, hint)
    assert _first_at(array("q"), 7, 0) == 0
