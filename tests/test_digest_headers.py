"""Digest headers: every common date form is read, and a header that cannot be read is refused.

An article whose header is not recognised must never end up in the previous
article's body: it is an error citing its line, or (skip mode) reported and
left out while its neighbours stay whole.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from corpuskit.cli import main
from corpuskit.errors import ConfigError, InputError
from corpuskit.readers import Reader, ReadOptions, expand_inputs, read_records
from corpuskit.readers.dates import DateError, looks_like_date, read_date
from corpuskit.readers.digest import header_block_in
from corpuskit.readers.options import read_options

FIRST = "Council Votes on Budget\n\nDaily Courier\nSept 27 2020\nThe council met on Sunday.\n\n"
LAST = "\n\nHarbour Reopens\n\nCoast Herald\nSept 29 2020\nShips returned on Tuesday.\n"


def _digest(tmp_path, date_line: str, header: str | None = None) -> str:
    header = header if header is not None else f"Storm Hits Coast\n\nWeather Desk\n{date_line}"
    path = tmp_path / "digest.txt"
    path.write_text(FIRST + header + "\nRain fell all night.\nRoads closed." + LAST, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("line,date,time", [
    ("Monday, September 28, 2020", "2020-09-28", None),
    ("Mon, Sep 28 2020", "2020-09-28", None),
    ("Mon. 28 Sep. 2020", "2020-09-28", None),
    ("28.09.2020", "2020-09-28", None),
    ("28/09/2020", "2020-09-28", None),
    ("09/28/2020", "2020-09-28", None),
    ("2020-09-28", "2020-09-28", None),
    ("September 28, 2020 3:25 PM", "2020-09-28", "3:25 PM"),
    ("2020-09-28 15:25", "2020-09-28", "15:25"),
    ("Sept. 28, 2020", "2020-09-28", None),
    ("Sep. 28, 2020", "2020-09-28", None),
    ("Sept 28 2020", "2020-09-28", None),
    ("28th of September 2020", "2020-09-28", None),
])
def test_every_date_form_starts_an_article(tmp_path, line, date, time):
    records = list(read_records([_digest(tmp_path, line)]))
    assert [r["title"] for r in records] == ["Council Votes on Budget", "Storm Hits Coast", "Harbour Reopens"]
    storm = records[1]
    assert (storm["date"], storm["time"], storm["outlet"]) == (date, time, "Weather Desk")
    assert storm["text"] == "Rain fell all night.\n\nRoads closed."
    assert records[0]["text"] == "The council met on Sunday."


@pytest.mark.parametrize("line,reason", [
    ("Feb 30 2020", "no day 30 in month 2"),
    ("Septmber 28, 2020", "not a month name"),
    ("Sept 28", "no year"),
    ("28.09.20", "four digits"),
    ("Tuesday, September 28, 2020", "is a Monday, not a Tuesday"),
    ("September 28, 2020 25:00", "not a time of day"),
    ("September 2020", "no day"),
    ("03/04/2020", "date_order"),
])
def test_unreadable_header_date_is_an_error_at_its_line(tmp_path, line, reason):
    path = _digest(tmp_path, line)
    with pytest.raises(InputError) as err:
        list(read_records([path]))
    assert err.value.line == 10 and reason in err.value.reason and repr(line) in err.value.reason
    skipped: list[InputError] = []
    reader = Reader(expand_inputs([path]), on_error="skip", report=skipped.append)
    records = list(reader)
    assert [r["title"] for r in records] == ["Council Votes on Budget", "Harbour Reopens"]
    assert records[0]["text"] == "The council met on Sunday."  # nothing appended
    assert [e.line for e in skipped] == [10]


@pytest.mark.parametrize("header,line,reason", [
    ("Storm Hits Coast\nWeather Desk\nSept 28 2020", 7, "laid out wrongly"),  # no blank line
    ("Storm Hits Coast\n\nSept 28 2020", 9, "no outlet line"),
    ("Storm Hits Coast\nWeather Desk\nSept 31 2020", 9, "no day 31"),
    ("Storm Hits Coast\n\nthe desk said on\nSept 28 2020", 7, "outlet line 'the desk said on' does not read"),
    ("Storm hits coast.\n\nWeather Desk\nSept 28 2020", 7, "title line 'Storm hits coast.' does not read"),
])
def test_misshapen_header_is_an_error_never_body(tmp_path, header, line, reason):
    with pytest.raises(InputError) as err:
        list(read_records([_digest(tmp_path, "", header=header)]))
    assert (err.value.line, reason in err.value.reason) == (line, True), str(err.value)


def test_ambiguous_numeric_dates_follow_the_date_order_setting(tmp_path):
    path = _digest(tmp_path, "03/04/2020")
    for order, iso in (("dmy", "2020-04-03"), ("mdy", "2020-03-04")):
        records = list(read_records([path], options=ReadOptions(date_order=order)))
        assert records[1]["date"] == iso
    with pytest.raises(InputError, match="no day 9 in month 28"):
        list(read_records([_digest(tmp_path, "28/09/2020")], options=ReadOptions(date_order="mdy")))


def test_date_order_is_validated_in_the_configuration():
    assert read_options({"digest": {"date_order": "dmy"}}).date_order == "dmy"
    with pytest.raises(ConfigError, match="date_order"):
        read_options({"digest": {"date_order": "ymd"}})
    with pytest.raises(ConfigError, match="unknown key 'order'"):
        read_options({"digest": {"order": "dmy"}})


def test_build_reads_date_order_from_the_config(tmp_path):
    path = _digest(tmp_path, "03/04/2020")
    (tmp_path / "c.toml").write_text('name = "d"\nversion = "1.0.0"\n[[pipeline]]\nstep = "normalize_whitespace"\n'
                                     '[check]\nmin_chars = 10\n[digest]\ndate_order = "mdy"\n')
    result = CliRunner().invoke(main, ["build", path, "--config", str(tmp_path / "c.toml"),
                                       "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    import pyarrow.parquet as pq

    rows = pq.read_table(next((tmp_path / "out" / "data").glob("*.parquet"))).to_pylist()
    assert [r["date"] for r in rows] == ["2020-09-27", "2020-03-04", "2020-09-29"]
    (tmp_path / "c.toml").write_text('name = "d"\nversion = "1.0.0"\n[[pipeline]]\nstep = "normalize_whitespace"\n')
    refused = CliRunner().invoke(main, ["build", path, "--config", str(tmp_path / "c.toml"),
                                        "--out", str(tmp_path / "out2"), "--quiet"])
    assert refused.exit_code == 1 and not (tmp_path / "out2").exists()
    assert refused.output.startswith("Error: ") and len(refused.output.strip().splitlines()) == 1
    assert "digest.txt:10: " in refused.output and "date_order" in refused.output


@pytest.mark.parametrize("body", [
    "The vote was held on\nMonday, September 28, 2020.",  # a sentence, then a date paragraph
    "Timeline:\nMarch 3, 2020\nFirst case\nMarch 9, 2020\nLockdown",  # a dated list
    "He left.\nShe stayed.\nMarch 3, 2020",
    "He left the room.\n\nShe stayed behind.\nMarch 3, 2020\nThen the rain came.",  # laid out, but sentences
    "Chapter 12 2020\nSection 3\nMarathon 26 2019",
])
def test_dates_inside_bodies_are_body_text(tmp_path, body):
    path = tmp_path / "digest.txt"
    path.write_text(FIRST + "Storm Hits Coast\n\nWeather Desk\nSept 28 2020\n" + body + LAST, encoding="utf-8")
    records = list(read_records([str(path)]))
    assert records[1]["text"] == "\n\n".join(line for line in body.split("\n") if line)
    assert header_block_in(records[1]["text"]) is None


def test_shape_and_reading_agree_on_what_is_a_date():
    for line in ("Septmber 28, 2020", "Sept 28", "03/04/2020", "28.09.20"):
        assert looks_like_date(line)
        with pytest.raises(DateError):
            read_date(line)
    for line in ("Chapter 12 2020", "Mayor 3 2020", "12:30", "By Ana Costa", "Energy interests"):
        assert not looks_like_date(line) and read_date(line) is None
