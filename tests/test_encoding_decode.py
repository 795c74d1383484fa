"""readers.source.decode: BOMs, BOM-less UTF-16, cp1252 vs latin-1, refusals."""

from __future__ import annotations

import codecs

import pytest

from corpuskit.errors import InputError
from corpuskit.readers.source import decode, load_source

TEXT = "Café “Zürich” – naïve £5\nSecond line\n"


@pytest.mark.parametrize("encoding, expected, bom", [
    ("utf-8", "utf-8", 0),
    ("utf-8-sig", "utf-8", 3),
    ("utf-16", "utf-16-le", 2),
    ("utf-32", "utf-32-le", 4),
    ("utf-16-le", "utf-16-le", 0),
    ("utf-16-be", "utf-16-be", 0),
    ("cp1252", "cp1252", 0),
])
def test_decodes(encoding, expected, bom):
    text, found, bom_len = decode(TEXT.encode(encoding), "f.txt")
    assert (text, found, bom_len) == (TEXT, expected, bom)


def test_latin1_without_c1_range():
    data = "Ça coûte 5 €?".replace("€", "¤").encode("latin-1")
    assert decode(data, "f.txt") == ("Ça coûte 5 ¤?", "latin-1", 0)


def test_utf16_be_bom():
    data = codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")
    assert decode(data, "f.txt") == (TEXT, "utf-16-be", 2)


def test_cp1252_is_not_read_as_mojibake():
    text, encoding, _ = decode("It’s “quoted” – fine".encode("cp1252"), "f.txt")
    assert text == "It’s “quoted” – fine" and encoding == "cp1252"


@pytest.mark.parametrize("data, message", [
    ("Правительство объявило о плане".encode("cp1251"), "non-Western single-byte encoding"),
    (b"abc \x81 def \xe9", "undefined in cp1252"),
    (b"\x00\x01\x02\x03binary\xff\x00", "binary data (NUL byte)"),
    (codecs.BOM_UTF8 + b"\xff\xfe bad", "utf-8 byte-order mark but is not valid"),
])
def test_refuses_with_one_line(data, message):
    with pytest.raises(InputError) as info:
        decode(data, "f.txt")
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("f.txt")


def test_load_source_byte_offsets_for_utf16(tmp_path):
    path = tmp_path / "d.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))
    source = load_source(str(path), str(tmp_path))
    assert source.encoding == "utf-16-le" and source.bom == 2
    start, end = source.byte_span(1, 1)
    assert path.read_bytes()[start:end].decode("utf-16-le") == "Second line"
