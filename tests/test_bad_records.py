"""Bad values inside records: one line naming file and line (or row), never an internal error.

Strings are validated as real Unicode where records are made
(:func:`corpuskit.records.new_record`), ids are ones the gate accepts, dates are
ISO ``YYYY-MM-DD`` or null, and the JSON parser's bounds (nesting depth, number
size) are reported as input errors. Each case runs ``corpuskit build`` and
asserts the exit code, the exact message and that nothing was published.
Counted in the issue's bad-input corpus.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpuskit.cli import main

BODY = "A body text that is long enough to be kept by every step of the pipeline."
GOOD = json.dumps({"text": BODY, "title": "Good"})
SURROGATE = "lone surrogate '\\udc80' at character 2, e.g. from a JSON escape like \"\\udc80\"); " \
            "fix or remove it in the source"
ID_RULE = ("is not a usable id: 1-100 characters, no spaces or control characters, starting with a letter "
           "or digit; fix it, or leave the id out to get a content hash")
NOT_ISO = "is not an ISO date; write it as YYYY-MM-DD (e.g. 2020-09-28) or leave it empty"


def jsonl_line(**fields) -> str:
    """One JSON Lines record with ``fields`` written raw (values are JSON text, e.g. '"x\\udc80y"')."""
    values = {"text": json.dumps(BODY), "title": '"T"', **fields}
    return "{" + ", ".join(f'"{k}": {v}' for k, v in values.items()) + "}"


def surrogate_case(field: str):
    value = '"x\\udc80y"' if field != "text" else '"x\\udc80y ' + BODY + '"'
    return (f"jsonl-surrogate-{field}", "in.jsonl", GOOD + "\n" + jsonl_line(**{field: value}) + "\n",
            f"in.jsonl:2: field {field!r} is not valid Unicode ({SURROGATE}")


JSONL_CASES = [surrogate_case(f) for f in ("id", "title", "outlet", "date", "time", "author", "url", "text")] + [
    ("jsonl-high-surrogate", "in.jsonl", jsonl_line(text='"\\ud800 ' + BODY + '"') + "\n",
     "in.jsonl:1: field 'text' is not valid Unicode (lone surrogate '\\ud800' at character 1, e.g. from a "
     "JSON escape like \"\\udc80\"); fix or remove it in the source"),
    ("jsonl-deep-field", "in.jsonl", jsonl_line(extra="[" * 100_000 + "]" * 100_000) + "\n",
     "in.jsonl:1: JSON nested too deeply to read (over about 1000 levels); flatten the record"),
    ("jsonl-deep-line", "in.jsonl", GOOD + "\n" + "[" * 100_000 + "]" * 100_000 + "\n",
     "in.jsonl:2: JSON nested too deeply to read (over about 1000 levels); flatten the record"),
    ("jsonl-deep-object", "in.jsonl", '{"a": ' * 50_000 + "1" + "}" * 50_000 + "\n",
     "in.jsonl:1: JSON nested too deeply to read (over about 1000 levels); flatten the record"),
    ("jsonl-huge-int-id", "in.jsonl", jsonl_line(id="7" * 5000) + "\n",
     "in.jsonl:1: JSON number too long to read (over 4300 digits); write it as a string or remove it"),
    ("jsonl-huge-int-extra", "in.jsonl", GOOD + "\n" + GOOD + "\n" + jsonl_line(n="1" * 4301) + "\n",
     "in.jsonl:3: JSON number too long to read (over 4300 digits); write it as a string or remove it"),
    ("jsonl-long-int-id", "in.jsonl", jsonl_line(id="9" * 200) + "\n",
     f"in.jsonl:1: field 'id' '{'9' * 40}'... {ID_RULE}"),
    ("jsonl-id-space", "in.jsonl", jsonl_line(id='"my id"') + "\n", f"in.jsonl:1: field 'id' 'my id' {ID_RULE}"),
    ("jsonl-id-empty", "in.jsonl", jsonl_line(id='""') + "\n", f"in.jsonl:1: field 'id' '' {ID_RULE}"),
    ("jsonl-id-dash", "in.jsonl", jsonl_line(id='"-1"') + "\n", f"in.jsonl:1: field 'id' '-1' {ID_RULE}"),
    ("jsonl-id-nul", "in.jsonl", jsonl_line(id='"a\\u0000b"') + "\n",
     f"in.jsonl:1: field 'id' 'a\\x00b' {ID_RULE}"),
    ("jsonl-id-101", "in.jsonl", jsonl_line(id='"' + "a" * 101 + '"') + "\n",
     f"in.jsonl:1: field 'id' '{'a' * 40}'... {ID_RULE}"),
    ("jsonl-id-float", "in.jsonl", jsonl_line(id="1.5") + "\n",
     "in.jsonl:1: field 'id' must be a string or an integer"),
    ("jsonl-date-feb-30", "in.jsonl", jsonl_line(date='"Feb 30 2020"') + "\n",
     f"in.jsonl:1: field 'date' 'Feb 30 2020' {NOT_ISO}"),
    ("jsonl-date-iso-feb-30", "in.jsonl", jsonl_line(date='"2020-02-30"') + "\n",
     f"in.jsonl:1: field 'date' '2020-02-30' {NOT_ISO}"),
    ("jsonl-date-ambiguous", "in.jsonl", jsonl_line(date='"09/10/2020"') + "\n",
     f"in.jsonl:1: field 'date' '09/10/2020' {NOT_ISO}"),
    ("jsonl-date-month-13", "in.jsonl", jsonl_line(date='"2020-13-01"') + "\n",
     f"in.jsonl:1: field 'date' '2020-13-01' {NOT_ISO}"),
    ("jsonl-date-words", "in.jsonl", jsonl_line(date='"Sept 28 2020"') + "\n",
     f"in.jsonl:1: field 'date' 'Sept 28 2020' {NOT_ISO}"),
    ("jsonl-date-bad-hour", "in.jsonl", jsonl_line(date='"2020-09-28T25:00"') + "\n",
     f"in.jsonl:1: field 'date' '2020-09-28T25:00' {NOT_ISO}"),
    ("jsonl-date-compact", "in.jsonl", jsonl_line(date='"20200928"') + "\n",
     f"in.jsonl:1: field 'date' '20200928' {NOT_ISO}"),
    ("jsonl-date-number", "in.jsonl", jsonl_line(date="20200928") + "\n",
     "in.jsonl:1: field 'date' must be a string or null"),
    ("jsonl-url-list", "in.jsonl", jsonl_line(url='["a"]') + "\n",
     "in.jsonl:1: field 'url' must be a string or null"),
]

CSV_HEADER = "id,title,date,text\n"
CSV_CASES = [
    ("csv-date-feb-30", "in.csv", CSV_HEADER + f"a1,T,2020-09-28,{BODY}\na2,T,Feb 30 2020,{BODY}\n",
     f"in.csv:3: field 'date' 'Feb 30 2020' {NOT_ISO}"),
    ("csv-date-slashes", "in.csv", CSV_HEADER + f"a1,T,28/09/2020,{BODY}\n",
     f"in.csv:2: field 'date' '28/09/2020' {NOT_ISO}"),
    ("csv-id-space", "in.csv", CSV_HEADER + f"my id,T,,{BODY}\n", f"in.csv:2: field 'id' 'my id' {ID_RULE}"),
    ("csv-id-leading-space", "in.csv", CSV_HEADER + f" a1,T,,{BODY}\n", f"in.csv:2: field 'id' ' a1' {ID_RULE}"),
    ("csv-multiline-record-date", "in.csv",
     CSV_HEADER + f'a1,T,2020-09-28,"{BODY}\n\nsecond paragraph"\na2,T,2020-09-31,{BODY}\n',
     f"in.csv:5: field 'date' '2020-09-31' {NOT_ISO}"),
]


def _parquet(**columns) -> bytes:
    import io

    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


def _invalid_utf8_strings() -> pa.Array:
    data = b"Fine body" + b"caf\xed\xb2\x80 body"  # a surrogate encoded as bytes: not UTF-8
    offsets = pa.py_buffer(pa.array([0, 9, len(data)], pa.int32()).buffers()[1])
    return pa.Array.from_buffers(pa.string(), 2, [None, offsets, pa.py_buffer(data)])


PARQUET_CASES = [
    ("parquet-invalid-utf8", "in.parquet", lambda: _parquet(text=_invalid_utf8_strings()),
     "in.parquet:2: column 'text' holds bytes that are not valid UTF-8; fix the file's strings"),
    ("parquet-date-feb-30", "in.parquet", lambda: _parquet(text=[BODY, BODY], date=["2020-09-28", "Feb 30 2020"]),
     f"in.parquet:2: field 'date' 'Feb 30 2020' {NOT_ISO}"),
    ("parquet-timestamp-out-of-range", "in.parquet",
     lambda: _parquet(text=[BODY, BODY], date=pa.array([0, 2**52], pa.timestamp("ms"))),
     "in.parquet:2: column 'date' holds a value outside what can be read (date value out of range); "
     "fix or remove it"),
    ("parquet-date32-before-year-1", "in.parquet", lambda: _parquet(text=[BODY], date=pa.array([-10**6], pa.date32())),
     "in.parquet:1: column 'date' holds a value outside what can be read (date value out of range); "
     "fix or remove it"),
    ("parquet-null-text", "in.parquet", lambda: _parquet(text=pa.array([BODY, None], pa.string())),
     "in.parquet:2: record has no 'text' string; every record needs one"),
    ("parquet-date-decimal", "in.parquet", lambda: _parquet(text=[BODY], date=pa.array([12], pa.decimal128(5, 2))),
     "in.parquet:1: field 'date' must be a string or null"),
    ("parquet-date-int", "in.parquet", lambda: _parquet(text=[BODY], date=[20200928]),
     "in.parquet:1: field 'date' must be a string or null"),
    ("parquet-id-float", "in.parquet", lambda: _parquet(text=[BODY], id=[1.5]),
     "in.parquet:1: field 'id' must be a string or an integer"),
    ("parquet-id-space", "in.parquet", lambda: _parquet(text=[BODY], id=["my id"]),
     f"in.parquet:1: field 'id' 'my id' {ID_RULE}"),
]

CASES = JSONL_CASES + CSV_CASES + PARQUET_CASES


@pytest.fixture
def folder(tmp_path, chdir):
    (tmp_path / "c.toml").write_text('name = "x"\nversion = "1.0.0"\n')
    return chdir(tmp_path)


def write(folder, name: str, content) -> None:
    content = content() if callable(content) else content
    data = content.encode("utf-8") if isinstance(content, str) else content
    (folder / name).write_bytes(data)


def build(*args: str):
    return CliRunner().invoke(main, ["build", *args, "--config", "c.toml", "--out", "out", "--workers", "1", "-q"])


@pytest.mark.parametrize("name,content,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_value_is_one_line_naming_file_and_line(folder, name, content, message):
    write(folder, name, content)
    result = build(name)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {name}:"), result.output
    assert lines[0] == f"Error: {message}"
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert sorted(os.listdir(folder)) == sorted(["c.toml", name])  # nothing published, nothing left


def test_skipping_bad_records_reports_each_and_keeps_the_rest(folder):
    lines = [GOOD, jsonl_line(url='"x\\udc80y"'), "[" * 5000 + "]" * 5000, jsonl_line(date='"2020-02-30"'),
             jsonl_line(title='"Also good"', text=json.dumps("A different body, long enough to keep as well."))]
    write(folder, "in.jsonl", "\n".join(lines) + "\n")
    result = build("in.jsonl", "--skip-bad-chunks")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: skipped: ")]
    assert [w.split(": ")[2].split(":")[1] for w in warnings] == ["2", "3", "4"]
    assert pq.read_table(folder / "out" / "data").num_rows == 2  # rows in = kept + skipped


def test_a_proper_surrogate_pair_escape_is_one_character_and_kept(folder):
    write(folder, "in.jsonl", jsonl_line(title='"smile \\ud83d\\ude00"') + "\n")
    assert build("in.jsonl").exit_code == 0
    assert pq.read_table(folder / "out" / "data").column("title").to_pylist() == ["smile \U0001F600"]


# -- dates keep their promise: ISO YYYY-MM-DD or null ------------------------------------------

DATE_EDIT = {"step": "read", "field": "date", "action": "date_only", "count": 1}


def _cut(start, end):
    return {"start": start, "end": end, "text": ""}


@pytest.mark.parametrize("value,date,edited", [
    ('"2020-09-28"', "2020-09-28", False),
    ('"2020-09-28T00:00:00"', "2020-09-28", False),
    ('"2020-09-28 00:00"', "2020-09-28", False),
    ('"2020-09-28T15:25:00Z"', "2020-09-28", True),
    ('"2020-09-28T23:30:00-05:00"', "2020-09-28", True),  # the date as written, not moved to UTC
    ('"2020-09-28T00:00:00+00:00"', "2020-09-28", True),  # an explicit offset is information
    ('""', None, False),
    ("null", None, False),
])
def test_jsonl_dates_are_published_as_iso_dates(folder, value, date, edited):
    write(folder, "in.jsonl", jsonl_line(date=value) + "\n")
    assert build("in.jsonl").exit_code == 0
    row = pq.read_table(folder / "out" / "data").to_pylist()[0]
    assert row["date"] == date
    edits = [e for e in row["provenance"]["edits"] if e["field"] == "date"]
    if edited:
        raw = json.loads(value)  # the fix cuts the time of day off the date as read
        assert edits == [{**DATE_EDIT, "detail": f"{raw!r} -> {date!r}", "fixes": [_cut(10, len(raw))]}]
        assert "read" in row["provenance"]["steps"]
    else:
        assert edits == [] and "read" not in row["provenance"]["steps"]


@pytest.mark.parametrize("column,date,detail", [
    (pa.array([dt.date(2020, 9, 28)], pa.date32()), "2020-09-28", None),
    (pa.array([dt.datetime(2020, 9, 28)], pa.timestamp("s")), "2020-09-28", None),
    (pa.array([dt.datetime(2020, 9, 28)], pa.timestamp("ns")), "2020-09-28", None),
    (pa.array([dt.datetime(2020, 9, 28, 15, 25)], pa.timestamp("ms")), "2020-09-28",
     "'2020-09-28T15:25:00' -> '2020-09-28'"),
    (pa.array([dt.datetime(2020, 9, 28, 23, 0)], pa.timestamp("us", tz="UTC")), "2020-09-28",
     "'2020-09-28T23:00:00+00:00' -> '2020-09-28'"),
])
def test_parquet_date_and_timestamp_columns_become_iso_dates(folder, column, date, detail):
    write(folder, "in.parquet", _parquet(title=["A headline"], text=[BODY], date=column))
    result = build("in.parquet")
    assert result.exit_code == 0, result.output
    row = pq.read_table(folder / "out" / "data").to_pylist()[0]
    assert row["date"] == date
    edits = [e for e in row["provenance"]["edits"] if e["field"] == "date"]
    raw = detail and detail[1:detail.index("' -> ")]
    assert edits == ([{**DATE_EDIT, "detail": detail, "fixes": [_cut(10, len(raw))]}] if detail else [])


def test_csv_datetime_becomes_a_date_with_the_edit_logged(folder):
    write(folder, "in.csv", CSV_HEADER + f"a1,T,2020-09-28T15:25:00Z,{BODY}\n")
    assert build("in.csv").exit_code == 0
    row = pq.read_table(folder / "out" / "data").to_pylist()[0]
    assert row["date"] == "2020-09-28"
    assert row["provenance"]["edits"][0]["detail"] == "'2020-09-28T15:25:00Z' -> '2020-09-28'"


def test_clean_refuses_a_surrogate_before_any_step_sees_it(folder):
    """``strip_boilerplate`` alone used to crash on a lone surrogate in a URL."""
    write(folder, "in.jsonl", jsonl_line(url='"https://x.org/\\udc80"') + "\n")
    result = CliRunner().invoke(main, ["clean", "in.jsonl", "--steps", "strip_boilerplate", "--out", "o.jsonl"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: in.jsonl:1: field 'url' is not valid Unicode (lone surrogate '\\udc80' at character 15, e.g. "
        "from a JSON escape like \"\\udc80\"); fix or remove it in the source"]
    assert not (folder / "o.jsonl").exists()


# -- property: any JSON object gives a record that keeps the promises, or an InputError ---------

def _json_values():
    from hypothesis import strategies as st

    text = st.one_of(st.text(max_size=20), st.sampled_from(
        ["2020-09-28", "2020-02-30", "2020-09-28T10:00:00Z", "Sept 28 2020", "", " ", "a b", "x\udc80y",
         "\ud800", "9" * 120, "-1", "ok-id"]))
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text)
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=5)


def test_any_json_object_is_a_valid_record_or_an_input_error(folder):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from corpuskit.errors import InputError
    from corpuskit.readers import read_records
    from corpuskit.records import ID_PATTERN, iso_date

    fields = ("id", "title", "outlet", "date", "time", "author", "url", "text")
    objects = st.fixed_dictionaries({"text": st.one_of(st.just(BODY), _json_values())},
                                    optional={f: _json_values() for f in fields if f != "text"})

    @settings(max_examples=300, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(objects)
    def run(obj):
        (folder / "in.jsonl").write_text(json.dumps(obj) + "\n", encoding="utf-8")  # escapes surrogates
        try:
            records = list(read_records(["in.jsonl"]))
        except InputError as exc:
            assert str(exc).startswith("in.jsonl:1: ") and "\n" not in str(exc)
            return
        for record in records:
            for name in fields:
                value = record[name]
                if value is not None:
                    value.encode("utf-8")  # real Unicode: raises on a lone surrogate
            assert ID_PATTERN.match(record["id"])
            assert record["date"] is None or iso_date(record["date"]) == (record["date"], False)

    run()
