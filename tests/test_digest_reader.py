"""The press-digest reader: segmentation, header fields, spans, and refusing bad chunks."""

from __future__ import annotations

import pytest

from corpuskit.errors import InputError
from corpuskit.readers import read_records
from corpuskit.readers.digest import parse_byline, parse_date, read_digest
from corpuskit.readers.source import load_source

from helpers import FIXTURES, SEED_DIR

SEED = SEED_DIR / "000_cfc82215a48762bb.txt"


def _read(path, **kwargs):
    return list(read_digest(load_source(str(path)), **kwargs))


def _write(tmp_path, text: str, name="digest.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_segments_into_ten_articles_with_headers():
    records = _read(SEED)
    assert len(records) == 10
    titles = [r["title"].strip() for r in records]
    assert titles[0] == "VoA: Turkey Vows Support for Azerbaijan in Escalating Nagorno-Karabakh Conflict"
    assert titles[0::2] == titles[1::2]  # every article appears twice in the seed
    voa = records[0]
    assert (voa["outlet"], voa["date"], voa["author"], voa["time"]) == (
        "Voice of America", "2020-09-28", "Dorian Jones", "03:25 PM")
    assert all(r["author"] is None for r in records[2:])
    assert {r["outlet"] for r in records} == {"Voice of America", "Forbes", "RT – Russia Today", "US News"}


def test_seed_spans_cite_the_article_lines_and_bytes():
    data = SEED.read_bytes()
    lines = data.decode("utf-8").split("\n")
    for record in _read(SEED):
        src = record["source"]
        assert lines[src["start_line"] - 1] == record["title"]
        block = data[src["start_byte"]:src["end_byte"]].decode("utf-8")
        assert block.startswith(record["title"])
        assert block == "\n".join(lines[src["start_line"] - 1:src["end_line"]])
        assert block.rstrip().endswith(record["text"].split("\n\n")[-1].rstrip())


def test_header_lines_never_leak_and_no_paragraph_is_lost():
    records = _read(FIXTURES / "small_digest.txt")
    assert [r["title"] for r in records] == [
        "Quake Hits Coastal Town", "Markets Rally on Rate Hopes", "Farmers Brace for Drought"]
    quake, markets, farmers = records
    assert quake["author"] == "Lois Lane and Clark Kent"
    assert quake["time"] == "09:15 AM"
    assert quake["date"] == "2021-09-03" and markets["date"] == "2021-09-03"
    assert farmers["date"] == "2021-09-04"
    # single-newline and blank-line paragraph breaks both become "\n\n"
    paragraphs = quake["text"].split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("A strong earthquake") and paragraphs[2].startswith("The mayor")
    for record in records:
        for header in (record["outlet"], "Sep 3, 2021", "By Lois", "09:15 AM"):
            assert header not in record["text"]
    assert markets["text"].endswith("(Reporting by Jane Roe; Editing by John Doe)")
    assert farmers["text"] == "“We have never seen it this dry,” said one farmer."


@pytest.mark.parametrize("text,iso", [
    ("Sept 28 2020", "2020-09-28"), ("Sep 28, 2020", "2020-09-28"),
    ("September 28 2020", "2020-09-28"), ("28 September 2020", "2020-09-28"),
    ("Sept. 28, 2020", "2020-09-28"), ("Feb 29 2020", "2020-02-29"),
])
def test_dates_are_published_as_iso(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", ["Feb 30 2021", "Sept 28", "Smarch 3 2020", "Energy interests", "2020"])
def test_non_dates_are_not_dates(text):
    assert parse_date(text) is None


@pytest.mark.parametrize("line,author", [
    ("By Dorian Jones", "Dorian Jones"),
    ("By Mei-Ling Chou and Samuel Okafor", "Mei-Ling Chou and Samuel Okafor"),
    ("By Patrick O'Rourke", "Patrick O'Rourke"),
    ("By Sunday evening the toll had risen.", None),
    ("By contrast, markets fell", None),
])
def test_bylines(line, author):
    assert parse_byline(line) == author


def test_trailing_nbsp_and_narrow_nbsp_on_header_lines(tmp_path):
    path = _write(tmp_path, "Title Here \u00a0\n\u202f\nOutlet Name\u00a0\nSept 28 2020\u202f\nBody text of the story.\n")
    [record] = _read(path)
    assert record["date"] == "2020-09-28"
    assert record["text"] == "Body text of the story."


def test_mojibake_block_header_is_still_recognised(tmp_path):
    clean = "Title Here\n\nCWR – Capitol Wire\nSept 28 2020\u00a0\nBody “quoted” text.\n"
    broken = clean.encode("utf-8").decode("cp1252", errors="ignore")
    path = _write(tmp_path, broken)
    [record] = _read(path)
    assert record["date"] == "2020-09-28"
    assert "â€" in record["text"]  # repaired later by fix_encoding, not by the reader
    assert "â€" in record["outlet"] and record["edits"] == []


def test_mojibake_byline_is_stored_as_read_and_fix_encoding_repairs_it_with_provenance(tmp_path):
    from corpuskit.steps.encoding import FixEncoding

    clean = "Title Here\n\nCapitol Wire\nSept 28 2020\nBy José Núñez\n03:25\u00a0PM\nBody text.\n"
    path = _write(tmp_path, clean.encode("utf-8").decode("cp1252"))
    [record] = _read(path)
    assert record["author"] == "JosÃ© NÃºÃ±ez"  # the reader edits nothing silently
    # the time reads as one only once repaired: taken repaired, and the repair recorded
    assert record["time"] == "03:25\u00a0PM"
    assert [(e["step"], e["field"]) for e in record["edits"]] == [("read", "time")]
    fixed = FixEncoding().apply(record)
    assert fixed["author"] == "José Núñez"
    assert [(e["step"], e["field"]) for e in fixed["edits"]][-1] == ("fix_encoding", "author")


def test_ids_are_content_derived_and_repeats_are_suffixed(tmp_path):
    records = list(read_records([str(SEED)]))
    ids = [r["id"] for r in records]
    assert len(set(ids)) == 10
    assert ids[1] == ids[0] + "-2"
    # the same article in another file, at another position, keeps its base id
    block = SEED.read_text(encoding="utf-8").split("\n")
    spain = "\n".join(block[328:336]) + "\n"
    other = _write(tmp_path, "Other Story\n\nPaper\nSept 1 2020\nSome body.\n\n" + spain, "other.txt")
    moved = list(read_records([str(other)]))
    assert moved[1]["id"] == records[6]["id"]


# -- refusing what cannot be parsed ------------------------------------------------

def test_text_before_first_header_names_file_and_line(tmp_path):
    path = _write(tmp_path, "stray preface line\n\nTitle\n\nOutlet\nSept 28 2020\nBody.\n")
    with pytest.raises(InputError) as err:
        _read(path)
    assert err.value.line == 1 and "digest.txt:1:" in str(err.value)
    assert "title line, a blank line, an outlet line and a date line" in str(err.value)


def test_unreadable_date_is_refused_not_swallowed(tmp_path):
    path = _write(tmp_path, "Title One\n\nOutlet\nSept 28 2020\nBody one.\n\n"
                            "Title Two\n\nOutlet\nSept 31 2020\nBody two.\n")
    with pytest.raises(InputError) as err:
        _read(path)
    assert err.value.line == 10
    assert "Sept 31 2020" in str(err.value)


def test_header_without_outlet_is_refused(tmp_path):
    path = _write(tmp_path, "Title One\n\nOutlet\nSept 28 2020\nBody one.\n\n"
                            "Title Two\n\nSept 29 2020\nBody two.\n")
    with pytest.raises(InputError) as err:
        _read(path)
    assert err.value.line == 9 and "no outlet line" in str(err.value)


def test_article_without_body_is_refused(tmp_path):
    path = _write(tmp_path, "Title One\n\nOutlet\nSept 28 2020\n\n\nTitle Two\n\nOutlet\nSept 29 2020\nBody.\n")
    with pytest.raises(InputError) as err:
        _read(path)
    assert err.value.line == 1 and "no body" in str(err.value)


def test_skip_mode_reports_every_bad_chunk_and_keeps_the_rest(tmp_path):
    path = _write(tmp_path, "stray line\n\nTitle One\n\nOutlet\nSept 28 2020\nBody one.\n\n"
                            "Title Two\n\nOutlet\nSept 31 2020\nBody two.\n")
    reported = []
    records = _read(path, on_error="skip", report=reported.append)
    assert [r["title"] for r in records] == ["Title One"]
    assert [e.line for e in reported] == [1, 12]


def test_file_with_no_digest_structure(tmp_path):
    path = _write(tmp_path, "just some notes\nwithout any structure\n")
    with pytest.raises(InputError) as err:
        _read(path)
    assert "not a digest article header" in str(err.value)
