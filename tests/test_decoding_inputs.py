"""Declared and detected encodings through the readers, the configuration, the CLI,
the manifest and the streamed (compressed) path. Texts written for these tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit.cli import main
from corpuskit.config import parse_config
from corpuskit.errors import ConfigError, InputError
from corpuskit.readers import Reader, compression, decoding, expand_inputs, read_records
from corpuskit.readers.decoding import EncodingPlan

RU = ("Министр заявил в понедельник, что переговоры о мире продолжатся на следующей неделе "
      "в столице. Жители города ждут решения и надеются на скорое возвращение домой.")
FR = ("Le maire a annoncé jeudi que la fête de la ville aura lieu à côté du marché, près de "
      "l'église. Les élèves préparent déjà leurs costumes et les commerçants décorent la rue.")
EN = "The council met on Monday and agreed to repair the old bridge before the winter."


def jsonl(path: Path, texts: list[str], encoding: str) -> Path:
    lines = [json.dumps({"id": f"r{i}", "title": f"Headline {i}", "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def texts(path, **kwargs) -> list[str]:
    return [r["text"] for r in read_records([str(path)], **kwargs)]


def test_utf8_inputs_never_call_the_detector(tmp_path, monkeypatch):
    monkeypatch.setattr(decoding, "detect", lambda *a, **k: pytest.fail("detector called"))
    path = jsonl(tmp_path / "a.jsonl", [RU, FR, EN], "utf-8")
    reader = Reader(expand_inputs([str(path)]))
    assert [r["text"] for r in reader] == [RU, FR, EN]
    assert (reader.sources[0].encoding, reader.sources[0].chosen_by) == ("utf-8", "utf-8")


def test_detected_legacy_file_is_decoded_and_recorded(tmp_path):
    path = jsonl(tmp_path / "ru.jsonl", [RU, RU.upper()], "cp1251")
    reader = Reader(expand_inputs([str(path)]))
    assert [r["text"] for r in reader] == [RU, RU.upper()]
    source = reader.sources[0]
    assert (source.encoding, source.chosen_by) == ("cp1251", "detected")
    assert source.confidence >= decoding.MIN_CONFIDENCE


UNDECIDABLE = b'{"id": "a", "text": "' + bytes(range(0xC0, 0x100)) + b'"}\n'


def test_declared_encoding_decides_what_detection_cannot(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "odd.jsonl").write_bytes(UNDECIDABLE)
    with pytest.raises(InputError, match=r"^odd.jsonl:1: not UTF-8, and its encoding cannot be "
                                         r"determined safely \(.*; declare it with --encoding NAME"):
        texts("odd.jsonl")
    assert texts("odd.jsonl", encodings=EncodingPlan("koi8-r")) == [bytes(range(0xC0, 0x100)).decode("koi8-r")]
    path = tmp_path / "short.jsonl"
    path.write_bytes('{"id": "a", "text": "Ôîðóìû"}\n'.encode("cp1252"))  # cp1251 bytes or cp1252?
    assert texts(path, encodings=EncodingPlan("cp1252")) == ["Ôîðóìû"]
    assert texts(path, encodings=EncodingPlan("auto", {"short.jsonl": "cp1251"}, str(tmp_path))) \
        == ["Ôîðóìû".encode("cp1252").decode("cp1251")]


# -- configuration -----------------------------------------------------------------------

def test_config_encodings_are_validated_and_resolved(tmp_path):
    config = parse_config({"name": "n", "version": "1.0.0", "encoding": "Windows-1252",
                           "encodings": {"old/ru": "KOI8-R", "x.txt": "auto"}},
                          str(tmp_path), source_file="corpuskit.toml")
    assert (config.encoding, config.encodings) == ("cp1252", {"old/ru": "koi8-r", "x.txt": "auto"})
    assert config.to_dict()["encodings"] == {"old/ru": "koi8-r", "x.txt": "auto"}


@pytest.mark.parametrize("data, message", [
    ({"encodings": {"seeds/ru.txt": "cp9999"}},
     "corpuskit.toml: encodings.'seeds/ru.txt': unknown encoding 'cp9999'; use a Python codec name "
     "such as 'cp1251', 'iso-8859-2', 'shift_jis' or 'auto'"),
    ({"encoding": 1251}, "corpuskit.toml: encoding must be the name of a text encoding, e.g. 'cp1251'"),
    ({"encodings": ["cp1251"]}, "corpuskit.toml: [encodings] must be a table of input path = codec name"),
    ({"encoding": "rot13"}, "corpuskit.toml: encoding: 'rot13' is not a text encoding"),
])
def test_config_encoding_errors_name_the_key(tmp_path, data, message):
    with pytest.raises(ConfigError) as info:
        parse_config({"name": "n", "version": "1.0.0", **data}, str(tmp_path), source_file="corpuskit.toml")
    assert str(info.value) == message


def project(tmp_path: Path, extra: str = "") -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    jsonl(seeds / "ru.jsonl", [RU], "koi8-r")
    jsonl(seeds / "fr.jsonl", [FR], "cp1252")
    jsonl(seeds / "en.jsonl", [EN], "utf-8")
    (tmp_path / "corpuskit.toml").write_text(
        'name = "enc"\nversion = "1.0.0"\ninputs = ["seeds"]\n'
        '[[pipeline]]\nstep = "fix_encoding"\n' + extra, encoding="utf-8")
    return tmp_path


def test_build_records_each_inputs_encoding_and_how_it_was_chosen(tmp_path, monkeypatch):
    root = project(tmp_path, '[encodings]\n"seeds/ru.jsonl" = "koi8-r"\n')
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["build", "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    folder = root / "dist" / "enc" / "1.0.0"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    inputs = {i["path"]: i for i in manifest["inputs"]}
    assert {k: (v["encoding"], v["encoding_chosen_by"]) for k, v in inputs.items()} == {
        "seeds/en.jsonl": ("utf-8", "utf-8"),
        "seeds/fr.jsonl": ("cp1252", "detected"),
        "seeds/ru.jsonl": ("koi8-r", "declared"),
    }
    assert inputs["seeds/fr.jsonl"]["encoding_confidence"] >= decoding.MIN_CONFIDENCE
    assert "encoding_confidence" not in inputs["seeds/ru.jsonl"]
    assert manifest["config"]["encodings"] == {"seeds/ru.jsonl": "koi8-r"}
    # the provenance check reads every source in the encoding the build used
    check = CliRunner().invoke(main, ["check", str(folder), "--no-load"])
    assert "PASS provenance.sources: 3 cited source(s) present with matching sha256" in check.output
    assert "PASS provenance.spans: 3 spans valid" in check.output


def test_build_refuses_an_undeclared_undecidable_file_with_one_line(tmp_path, monkeypatch):
    root = project(tmp_path)
    (root / "seeds" / "ru.jsonl").write_bytes(UNDECIDABLE)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["build", "--quiet", "--workers", "1"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: seeds/ru.jsonl:1: not UTF-8, and its encoding cannot be "
                                    "determined safely (")
    assert not (root / "dist" / "enc" / "1.0.0").exists()


def test_build_encoding_option_declares_every_input(tmp_path, monkeypatch):
    root = project(tmp_path)
    (root / "seeds" / "fr.jsonl").write_bytes(json.dumps({"id": "f", "title": "Headline", "text": EN}).encode() + b"\n")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["build", "--quiet", "--workers", "1", "--encoding", "KOI8-R"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((root / "dist" / "enc" / "1.0.0" / "manifest.json").read_text("utf-8"))
    assert {i["encoding_chosen_by"] for i in manifest["inputs"]} == {"declared"}
    assert manifest["config"]["encoding"] == "koi8-r"


def test_build_unknown_encoding_option_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(project(tmp_path))
    result = CliRunner().invoke(main, ["build", "--quiet", "--encoding", "klingon"])
    assert result.exit_code == 1
    assert result.output == ("Error: --encoding: unknown encoding 'klingon'; use a Python codec name "
                             "such as 'cp1251', 'iso-8859-2', 'shift_jis' or 'auto'\n")


def test_build_encodings_key_matching_no_input_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(project(tmp_path, '[encodings]\n"seeds/rus.jsonl" = "cp1251"\n'))
    result = CliRunner().invoke(main, ["build", "--quiet"])
    assert result.exit_code == 1
    assert result.output == ("Error: encodings.'seeds/rus.jsonl' matches none of the inputs; fix the "
                             "path or remove the entry\n")


def test_clean_encoding_option_and_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    jsonl(tmp_path / "ru.jsonl", [RU], "koi8-r")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["clean", "ru.jsonl", "--steps", "fix_encoding", "--out", str(out),
                                       "--encoding", "koi8-r"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8"))["text"] == RU
    (tmp_path / "c.toml").write_text('[encodings]\n"ru.jsonl" = "koi8-r"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", "ru.jsonl", "--config", "c.toml", "--out", str(out),
                                       "--steps", "fix_encoding"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8"))["text"] == RU
    bad = CliRunner().invoke(main, ["clean", "ru.jsonl", "--out", str(out), "--encoding", "nope"])
    assert (bad.exit_code, bad.output.count("\n")) == (1, 1)
    assert bad.output.startswith("Error: --encoding: unknown encoding 'nope'")


# -- streamed (compressed) files ------------------------------------------------------------

def gz(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data, mtime=0))
    return path


def test_compressed_legacy_file_is_detected_from_its_first_bytes(tmp_path):
    lines = [json.dumps({"id": f"r{i}", "text": RU}, ensure_ascii=False) for i in range(50)]
    path = gz(tmp_path / "ru.jsonl.gz", ("\n".join(lines) + "\n").encode("cp1251"))
    reader = Reader(expand_inputs([str(path)]))
    assert [r["text"] for r in reader] == [RU] * 50
    assert (reader.sources[0].encoding, reader.sources[0].chosen_by) == ("cp1251", "detected")


def test_a_later_block_that_contradicts_the_sample_is_an_error_naming_the_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(compression, "DETECT_BYTES", 4096)
    head = [json.dumps({"id": f"r{i}", "text": EN}) for i in range(100)]  # ASCII: UTF-8 by the sample
    tail = json.dumps({"id": "late", "text": RU}, ensure_ascii=False)
    gz(tmp_path / "mixed.jsonl.gz", ("\n".join(head) + "\n").encode() + tail.encode("cp1251") + b"\n")
    with pytest.raises(InputError) as info:
        texts("mixed.jsonl.gz")
    assert str(info.value) == (
        "mixed.jsonl.gz:101: not valid utf-8 (the encoding UTF-8 like the lines before); the file "
        "mixes encodings or is damaged; declare it with --encoding NAME (or per input in the "
        "configuration's [encodings] table), or convert the file to UTF-8")


def test_iso2022_escapes_after_plain_lines_are_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(compression, "DETECT_BYTES", 4096)
    head = [json.dumps({"id": f"r{i}", "text": EN}) for i in range(100)]
    tail = json.dumps({"id": "jp", "text": "新しい図書館が開館した。"}, ensure_ascii=False).encode("iso2022_jp")
    gz(tmp_path / "jp.jsonl.gz", ("\n".join(head) + "\n").encode() + tail + b"\n")
    with pytest.raises(InputError, match=r"^jp.jsonl.gz:101: ISO-2022 escape sequences after lines "
                                         r"without them: the file mixes encodings"):
        texts("jp.jsonl.gz")


def test_compressed_declared_encoding_is_streamed(tmp_path):
    path = gz(tmp_path / "ru.jsonl.gz", (json.dumps({"id": "a", "text": "Ôîðóìû"}, ensure_ascii=False)
                                         + "\n").encode("cp1252"))
    assert texts(path, encodings=EncodingPlan("cp1251")) == ["Форумы"]


def test_plain_iso2022_file_is_not_streamed_as_utf8(tmp_path):
    text = "市長は月曜日に、新しい図書館が来年開館すると発表した。"
    path = jsonl(tmp_path / "jp.jsonl", [text, EN], "iso2022_jp")
    assert path.read_bytes().isascii()
    reader = Reader(expand_inputs([str(path)]))
    assert [r["text"] for r in reader] == [text, EN]
    assert (reader.sources[0].encoding, reader.sources[0].chosen_by) == ("iso2022_jp", "escape sequences")
