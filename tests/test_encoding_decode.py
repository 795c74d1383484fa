"""Decoding never guesses silently (readers.decoding): BOMs, UTF-8, declared encodings,
escape-sequence encodings, detection that must be confident and plausible, refusals.

Every text here was written for these tests (no third-party text).
"""

from __future__ import annotations

import codecs
import re

import pytest

from corpuskit.errors import ConfigError, InputError
from corpuskit.readers import decoding
from corpuskit.readers.decoding import EncodingPlan, choose, codec_name, decode
from corpuskit.readers.source import load_source

TEXT = "Café “Zürich” – naïve £5\nSecond line\n"

# One paragraph per language, with the words the issue saw garbled (első, że,
# kalabalık, Форумы, ΝΑΥΤΕΜΠΟΡΙΚΗ, חברה, Big5 Chinese).
PARAGRAPHS = {
    "fr": "Le maire a annoncé jeudi que la fête de la ville aura lieu à côté du marché, près de "
          "l'église. Les élèves préparent déjà leurs costumes et les commerçants décorent la rue.",
    "de": "Die Bürgermeisterin erklärte am Donnerstag, dass die Straßenbahn künftig über die neue "
          "Brücke fahren wird. Für die Anwohner ändert sich zunächst wenig, sagte sie.",
    "es": "El alcalde anunció el miércoles que la reunión será en el salón del ayuntamiento. Los "
          "vecinos están preocupados por el tráfico y piden más información sobre las obras.",
    "hu": "A város első polgármestere hétfőn bejelentette, hogy a főtéren új szökőkút épül. A "
          "lakók örülnek, de a költségekről még nem döntött a képviselő-testület.",
    "pl": "Burmistrz powiedział, że nowa szkoła zostanie otwarta we wrześniu. Mieszkańcy cieszą "
          "się, choć wielu martwi się o koszty budowy i dojazd dzieci z odległych wsi.",
    "tr": "Belediye başkanı, meydanda büyük bir kalabalık toplandığını söyledi. Gösteriler akşam "
          "saatlerine kadar sürdü ve güvenlik güçleri çevredeki yolları trafiğe kapattı.",
    "ru": "Форумы и новости: министр заявил в понедельник, что переговоры продолжатся на "
          "следующей неделе. Жители города ждут решения и надеются на скорый мир.",
    "el": "Η ΝΑΥΤΕΜΠΟΡΙΚΗ έγραψε ότι ο υπουργός ανακοίνωσε νέα μέτρα για την οικονομία. Οι "
          "κάτοικοι της πόλης περιμένουν με αγωνία τις αποφάσεις της κυβέρνησης.",
    "he": "החברה הודיעה היום כי תפתח סניף חדש בעיר. ראש העירייה אמר שהוא מברך על ההחלטה "
          "ומקווה שהיא תביא מקומות עבודה חדשים לתושבים.",
    "zh-tw": "市長週一宣布，新的圖書館將於明年開放。居民對這項計畫表示歡迎，但也擔心附近的交通問題。"
             "議會將在下個月討論相關預算。",
    "ja": "市長は月曜日に、新しい図書館が来年開館すると発表した。住民はこの計画を歓迎しているが、"
          "周辺の交通について心配する声もある。",
    "ko": "시장은 월요일에 새 도서관이 내년에 문을 연다고 발표했다. 주민들은 이 계획을 환영했지만 "
          "주변 교통 문제를 걱정하는 목소리도 있다.",
}
GOLDEN = [
    ("fr", "cp1252"), ("de", "cp1252"), ("es", "latin-1"), ("hu", "cp1250"), ("pl", "cp1250"),
    ("pl", "iso8859-2"), ("tr", "cp1254"), ("ru", "cp1251"), ("ru", "koi8-r"), ("el", "cp1253"),
    ("he", "cp1255"), ("zh-tw", "big5"), ("ja", "shift_jis"), ("ja", "euc_jp"), ("ko", "euc_kr"),
]


def page(text: str, charset: str = "") -> str:
    """``text`` inside markup-heavy HTML (navigation, script, style, attributes)."""
    meta = f'<meta charset="{charset}">' if charset else ""
    nav = "".join(f'<li class="nav-item"><a href="/section/{i}" title="section {i}">S{i}</a></li>'
                  for i in range(30))
    return (f'<!DOCTYPE html><html><head>{meta}<title>News</title><style>body {{ margin: 0; }}'
            f'</style><script>var tracking = {{"id": 42, "page": "news"}};</script></head>'
            f'<body><nav><ul>{nav}</ul></nav><article><p class="lead">{text}</p></article>'
            f'<footer><a href="/about">About</a> | <a href="/contact">Contact</a></footer>'
            "</body></html>\n")


@pytest.mark.parametrize("language, encoding", GOLDEN)
@pytest.mark.parametrize("wrap", ["plain", "html"])
def test_golden_detection(language, encoding, wrap):
    text = PARAGRAPHS[language] + "\n"
    if wrap == "html":
        text = page(PARAGRAPHS[language])
    decoded, choice = decode(text.encode(encoding), "page.html")
    assert decoded == text
    assert choice.chosen_by == "detected" and choice.confidence >= decoding.MIN_CONFIDENCE
    assert codecs.lookup(choice.encoding).name == codecs.lookup(encoding).name or \
        text.encode(encoding).decode(choice.encoding) == text


@pytest.mark.parametrize("language, encoding", [g for g in GOLDEN if g[0] not in ("fr", "de", "es")])
def test_non_western_text_is_never_read_as_cp1252(language, encoding):
    data = page(PARAGRAPHS[language]).encode(encoding)
    try:
        decoded, _ = decode(data, "page.html")
    except InputError:
        return
    assert decoded != data.decode("cp1252", errors="replace")


@pytest.mark.parametrize("encoding, expected, bom", [
    ("utf-8", "utf-8", 0),
    ("utf-8-sig", "utf-8", 3),
    ("utf-16", "utf-16-le", 2),
    ("utf-32", "utf-32-le", 4),
    ("utf-16-le", "utf-16-le", 0),
    ("utf-16-be", "utf-16-be", 0),
    ("utf-32-le", "utf-32-le", 0),
    ("utf-32-be", "utf-32-be", 0),
])
def test_unicode_is_decided_without_detection(monkeypatch, encoding, expected, bom):
    monkeypatch.setattr(decoding, "detect", lambda *a, **k: pytest.fail("detector called"))
    text, choice = decode(TEXT.encode(encoding), "f.txt")
    assert (text, choice.encoding, choice.bom) == (TEXT, expected, bom)
    assert choice.chosen_by == {0: "utf-8" if expected == "utf-8" else "nul pattern"}.get(bom, "bom")


def test_cp1252_punctuation_is_not_read_as_mojibake():
    text, choice = decode("It’s “quoted” – fine, said the café owner in Zürich.".encode("cp1252"), "f.txt")
    assert text == "It’s “quoted” – fine, said the café owner in Zürich."
    assert choice.chosen_by == "detected"


ESCAPED = [
    ("iso2022_jp", PARAGRAPHS["ja"]),
    ("iso2022_kr", PARAGRAPHS["ko"]),
    ("hz", "市长周一宣布，新的图书馆将于明年开放。居民对这项计划表示欢迎，但也担心附近的交通问题。"),
]


@pytest.mark.parametrize("encoding, text", ESCAPED)
def test_escape_sequence_encodings_are_recognised(encoding, text):
    data = (text + "\nSecond line, plain ASCII.\n").encode(encoding)
    assert data.isascii()  # 7-bit: valid UTF-8 as bytes, but not the text
    decoded, choice = decode(data, "f.txt")
    assert decoded == text + "\nSecond line, plain ASCII.\n"
    assert (choice.encoding, choice.chosen_by) == (encoding, "escape sequences")


def test_ascii_with_a_literal_tilde_brace_stays_utf8():
    text, choice = decode(b"Use ~{ and ~} to shift in HZ; here they are just text.\n", "f.txt")
    assert choice.chosen_by == "utf-8" and text.startswith("Use ~{")


def test_ansi_colour_codes_are_not_iso2022():
    assert decode(b"\x1b[31mred\x1b[0m text\n", "f.txt")[1].chosen_by == "utf-8"


def test_iso2022_cn_is_refused_with_one_line():
    data = b"line one\n\x1b$)A\x0e:C\x0f text\n"
    with pytest.raises(InputError) as info:
        decode(data, "cn.txt")
    assert str(info.value) == ("cn.txt:2: ISO-2022-CN escape sequences, which Python cannot decode; "
                               "convert the file to UTF-8 (e.g. iconv -f ISO-2022-CN -t UTF-8)")


def test_undecidable_bytes_are_refused_with_one_line():
    data = b"headline\n" + bytes(range(0x80, 0x100)) * 2 + b"\n"
    with pytest.raises(InputError) as info:
        decode(data, "feed.xml")
    message = str(info.value)
    assert message.startswith("feed.xml:2: not UTF-8, and its encoding cannot be determined safely (")
    assert message.endswith("; declare it with --encoding NAME (or per input in the configuration's "
                            "[encodings] table), or convert the file to UTF-8")
    assert "likely: " in message and "\n" not in message


def test_a_file_mixing_cp1251_and_utf8_is_refused():
    data = (PARAGRAPHS["ru"] + "\n").encode("cp1251") + (PARAGRAPHS["ru"] + "\n").encode("utf-8")
    with pytest.raises(InputError) as info:
        decode(data, "mixed.txt")
    assert str(info.value).startswith("mixed.txt:1: not UTF-8, and its encoding cannot be determined")


# -- declared encodings ----------------------------------------------------------------

def test_declared_encoding_is_used_and_recorded():
    data = PARAGRAPHS["ru"].encode("koi8-r")
    text, choice = decode(data, "f.txt", "koi8-r")
    assert text == PARAGRAPHS["ru"] and (choice.encoding, choice.chosen_by) == ("koi8-r", "declared")


@pytest.mark.parametrize("data, declared, message", [
    (codecs.BOM_UTF8 + "Форумы".encode(), "cp1251",
     "f.txt:1: declared cp1251, but the file starts with a utf-8 byte-order mark; remove the "
     "declaration for this file"),
    ("Форумы".encode(), "cp1251",
     "f.txt:1: declared cp1251, but the file is valid UTF-8 with non-ASCII text, which cp1251 would "
     "garble; declare utf-8 for this file (or remove the declaration)"),
    (b"fine\nbad \x81 byte\n", "cp1252",
     "f.txt:2: not valid cp1252 (the encoding declared); the file mixes encodings or is damaged; "
     "declare it with --encoding NAME (or per input in the configuration's [encodings] table), or "
     "convert the file to UTF-8"),
])
def test_declarations_the_bytes_contradict_are_refused(data, declared, message):
    with pytest.raises(InputError) as info:
        decode(data, "f.txt", declared)
    assert str(info.value) == message


def test_codec_names():
    assert codec_name("Windows-1251", "--encoding") == "cp1251"
    assert codec_name("utf-8-sig", "--encoding") == "utf-8"
    with pytest.raises(ConfigError, match=r"^--encoding: unknown encoding 'cp9999'; use a Python"):
        codec_name("cp9999", "--encoding")
    with pytest.raises(ConfigError, match="'base64' is not a text encoding"):
        codec_name("base64", "encodings.'a.txt'")


def test_encoding_plan_longest_key_wins(tmp_path):
    plan = EncodingPlan("cp1252", {"old": "cp1251", "old/jp": "shift_jis", "x.txt": "auto"},
                        str(tmp_path))
    assert plan.declared(str(tmp_path / "old" / "a.txt")) == "cp1251"
    assert plan.declared(str(tmp_path / "old" / "jp" / "b.txt")) == "shift_jis"
    assert plan.declared(str(tmp_path / "x.txt")) is None
    assert plan.declared(str(tmp_path / "older.txt")) == "cp1252"
    assert plan.unmatched([str(tmp_path / "old" / "a.txt")]) == ["old/jp", "x.txt"]


# -- whole files --------------------------------------------------------------------------

def test_choose_on_a_sample_ending_inside_a_character():
    data = ("x" * 10 + "Форумы").encode()[:-1]
    assert choose(data, "f.txt", partial=True).chosen_by == "utf-8"


def test_load_source_byte_offsets_for_utf16(tmp_path):
    path = tmp_path / "d.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))
    source = load_source(str(path), str(tmp_path))
    assert source.encoding == "utf-16-le" and source.bom == 2 and source.chosen_by == "bom"
    start, end = source.byte_span(1, 1)
    assert path.read_bytes()[start:end].decode("utf-16-le") == "Second line"


def test_load_source_byte_offsets_for_iso2022(tmp_path):
    path = tmp_path / "jp.txt"
    path.write_bytes(f"{PARAGRAPHS['ja']}\n二行目です。\n".encode("iso2022_jp"))
    source = load_source(str(path), str(tmp_path))
    start, end = source.byte_span(1, 1)
    assert path.read_bytes()[start:end].decode("iso2022_jp") == "二行目です。"


def test_binary_is_refused():
    with pytest.raises(InputError, match=r"^f.txt:1: binary data \(NUL byte\)"):
        decode(b"\x00\x01\x02\x03binary\xff\x00", "f.txt")


def test_bom_with_invalid_body_is_refused():
    with pytest.raises(InputError, match=r"^f.txt:1: not valid utf-8 \(the encoding given by its "
                                         r"byte-order mark\)"):
        decode(codecs.BOM_UTF8 + b"\xff\xfe bad", "f.txt")


def test_a_large_file_that_switches_codec_after_the_sample_is_refused(monkeypatch):
    monkeypatch.setattr(decoding, "DETECT_BYTES", 2000)
    ru = (PARAGRAPHS["ru"] + "\n") * 12
    data = ru.encode("cp1251") + ru.encode("koi8-r")  # both decode as anything single-byte
    with pytest.raises(InputError) as info:
        decode(data, "big.txt")
    assert re.match(r"big.txt:1[0-9]: the next MiB of text does not read as cp1251 \(detected from "
                    r"the file's start\): the file mixes encodings; declare it", str(info.value))
    assert decode(ru.encode("cp1251") * 2, "big.txt")[0] == ru * 2
