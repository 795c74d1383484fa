"""Readers: a field mapping reads other column names, and a column read twice is refused.

``--field text=content`` (build, clean) or ``[fields] text = "content"`` read
the body from ``content``; the same for every record field, in CSV, JSON Lines
and Parquet, streamed or read whole. A repeated column or key that would be read
is a one-line error naming it; so are an unknown field and a missing column.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpuskit.cli import main
from corpuskit.errors import ConfigError, InputError
from corpuskit.readers import ReadOptions, read_records
from corpuskit.readers.options import parse_field_options, read_options

MAPPED = ReadOptions(fields=(("text", "content"), ("title", "headline")))
BODY = "The harbour reopened on Tuesday after the storm."


def _csv(tmp_path, header: str, row: str, encoding="utf-8"):
    path = tmp_path / "in.csv"
    path.write_bytes(f"{header}\n{row}\n".encode(encoding))
    return str(path)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])  # streamed, and read whole
def test_csv_columns_map_to_record_fields(tmp_path, encoding):
    path = _csv(tmp_path, "id,headline,content,text", f'7,Harbour Reopens,"{BODY} Café.",ignored', encoding)
    from corpuskit.readers.decoding import EncodingPlan

    # one accented letter is too little evidence to detect cp1252 safely: it is declared
    [record] = read_records([path], options=MAPPED, encodings=EncodingPlan(encoding))
    assert (record["id"], record["title"], record["text"]) == ("7", "Harbour Reopens", BODY + " Café.")


def test_jsonl_keys_map_to_record_fields(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"headline": "Harbour Reopens", "content": BODY, "text": 5}) + "\n")
    [record] = read_records([str(path)], options=MAPPED)
    assert (record["title"], record["text"]) == ("Harbour Reopens", BODY)


def test_parquet_columns_map_to_record_fields(tmp_path):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"headline": ["Harbour Reopens"], "content": [BODY]}), path)
    [record] = read_records([str(path)], options=MAPPED)
    assert (record["title"], record["text"]) == ("Harbour Reopens", BODY)


def test_repeated_csv_column_is_an_error_naming_it(tmp_path):
    path = _csv(tmp_path, "id,text,title,text", f"1,{BODY},T,other body")
    with pytest.raises(InputError) as err:
        list(read_records([path]))
    assert err.value.line == 1 and "column 'text' appears 2 times" in err.value.reason
    assert "columns 2, 4" in err.value.reason
    # a repeated column nobody reads is harmless
    [record] = read_records([_csv(tmp_path, "text,note,note", f"{BODY},a,b")])
    assert record["text"] == BODY


def test_repeated_parquet_column_is_an_error_naming_it(tmp_path):
    path = tmp_path / "in.parquet"
    table = pa.Table.from_arrays([pa.array([BODY]), pa.array(["x"])], names=["content", "content"])
    pq.write_table(table, path)
    with pytest.raises(InputError, match=r"column 'content' \(mapped to text\) appears 2 times"):
        list(read_records([str(path)], options=ReadOptions(fields=(("text", "content"),))))


def test_repeated_jsonl_key_is_an_error_naming_it(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "first body", "title": "T"}\n{"text": "one", "text": "two"}\n')
    with pytest.raises(InputError) as err:
        list(read_records([str(path)]))
    assert err.value.line == 2 and "key 'text' appears twice" in err.value.reason
    # a key named twice only inside a value, or repeated in a nested object, is fine
    path.write_text('{"text": "say \\"text\\" twice: \\"text\\"", "meta": {"a": 1, "a": 2}}\n')
    assert [r["text"] for r in read_records([str(path)])] == ['say "text" twice: "text"']


def test_missing_mapped_column_is_an_error_naming_it(tmp_path):
    with pytest.raises(InputError, match=r"no 'headline' \(mapped to title\) column in the header row"):
        list(read_records([_csv(tmp_path, "content", BODY)], options=MAPPED))
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"content": BODY}) + "\n")
    with pytest.raises(InputError, match=r"record has no 'headline' \(mapped to title\) key"):
        list(read_records([str(path)], options=MAPPED))


def test_unmapped_body_column_hint_names_the_option(tmp_path):
    with pytest.raises(InputError, match=r"no 'text' column .*found: id, content.*--field text=COLUMN"):
        list(read_records([_csv(tmp_path, "id,content", f"1,{BODY}")]))


@pytest.mark.parametrize("values,message", [
    (["body=content"], "unknown record field 'body'"),
    (["text"], "write FIELD=COLUMN"),
    (["text=content", "text=body"], "mapped twice"),
    (["text=content", "title=content"], "mapped to both"),
    (["text="], "non-empty"),
])
def test_bad_field_options_are_one_line_errors(values, message):
    with pytest.raises(ConfigError, match=message):
        parse_field_options(values)


def test_fields_table_in_the_configuration():
    assert read_options({"fields": {"text": "content"}}).column("text") == "content"
    with pytest.raises(ConfigError, match="unknown record field 'body' in \\[fields\\]"):
        read_options({"fields": {"body": "content"}})
    with pytest.raises(ConfigError, match="must be a table"):
        read_options({"fields": "content"})


def test_clean_and_build_take_field_options(tmp_path):
    path = _csv(tmp_path, "headline,content", f"Harbour Reopens,{BODY} It took a week.")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["clean", path, "--steps", "normalize_whitespace", "--out", str(out),
                                       "--field", "text=content", "--field", "title=headline"])
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text())
    assert (row["title"], row["text"]) == ("Harbour Reopens", BODY + " It took a week.")
    bad = CliRunner().invoke(main, ["clean", path, "--out", str(out), "--field", "body=content"])
    assert bad.exit_code == 1 and bad.output.startswith("Error: unknown record field 'body' in --field")

    (tmp_path / "c.toml").write_text('name = "m"\nversion = "1.0.0"\n[[pipeline]]\nstep = "normalize_whitespace"\n'
                                     '[fields]\ntext = "content"\n')
    built = CliRunner().invoke(main, ["build", path, "--config", str(tmp_path / "c.toml"), "--out",
                                      str(tmp_path / "ds"), "--quiet", "--field", "title=headline",
                                      "--field", "text=content"])
    assert built.exit_code == 0, built.output
    rows = pq.read_table(next((tmp_path / "ds" / "data").glob("*.parquet"))).to_pylist()
    assert (rows[0]["title"], rows[0]["text"]) == ("Harbour Reopens", BODY + " It took a week.")
    manifest = (tmp_path / "ds" / "manifest.json").read_text()
    assert '"fields"' in manifest and '"headline"' in manifest  # the mapping used is recorded
