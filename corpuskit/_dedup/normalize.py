"""Fingerprint text: repair, fold and tokenise an article for comparison only.

Nothing here changes the published text. The fingerprint view of an article is
a list of canonical word tokens that ignores what copies of one story differ
in without being different stories: mojibake, Unicode compatibility forms,
case, punctuation and typography, wire-style abbreviations (``pct``/``%``/
``per cent``), US/UK spelling (``labour``/``labor``) and OCR confusions inside
numbers (``1O`` for ``10``).

Words are reduced to an OCR *skeleton* (``e``→``c``, ``i``/``1``→``l``,
``0``→``o``, ``rn``→``m``, ``cl``→``d`` …) on both sides, so the usual OCR
confusions cost nothing; figures merged into a word (``rose167``) are split off.

>>> tokens("The  Labour party’s share rose 5 pct to 1O mln.")
['thc', 'labor', 'partys', 'sharc', 'rosc', '5', 'pcrccnt', 'to', '10', 'mllllon']
>>> tokens("The Labour party\u00e2\u20ac\u2122s share rose 5% to 10 million")
['thc', 'labor', 'partys', 'sharc', 'rosc', '5', 'pcrccnt', 'to', '10', 'mllllon']
>>> tokens("Shr profit rose167 to 1s21 dlrs") == tokens("Share profit rose 167 to 1521 dollars")
True
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

#: A UTF-8 lead byte read as cp1252/latin-1 followed by a continuation byte read
#: the same way: the signature of mojibake. Clean text almost never has it, so
#: ftfy (slow) only runs on text that needs it.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
#: the same test on the UTF-8 bytes (a literal C3 lead byte: a much faster scan)
_MOJIBAKE_UTF8 = re.compile(
    rb"\xc3[\x82-\xb4](?:\xc2[\x80-\xbf]|\xc5[\x92\x93\xa0\xa1\xb8\xbd\xbe]|\xc6\x92|\xcb[\x86\x9c]"
    rb"|\xe2\x80[\x93\x94\x98-\x9e\xa0-\xa2\xa6\xb0\xb9\xba]|\xe2\x82\xac|\xe2\x84\xa2)"
)
_PERCENT = re.compile(r"%|\bper[ \t]+cent\b")
_TOKEN = re.compile(r"\d+(?:[-/.,:]\d+)+|[^\W_]+(?:[.,'’][^\W_]+)*")
_INNER_PUNCT = str.maketrans("", "", ",'’")
_OCR_DIGITS = str.maketrans("olisbgz", "0115892")
_OCR_NUMBER = re.compile(r"(?=.*\d)(?!.*[sbgz].*[sbgz])[\dolisbgz][\dolisbgz./:-]*")
_OCR_WORD = re.compile(r"(?=(?:.*[^\W\d_]){3})[^\W\d_]*[01589][^\W\d_]*(?:[01589][^\W\d_]*)?")
_OCR_LETTERS = str.maketrans("01589", "olsbg")
#: a run of two or more letters glued to a figure (``rose167``, ``135mln``): split
_GLUED = re.compile(r"(?<=\d\d)(?=[^\W\d_]{2})|(?<=[^\W\d_]{2})(?=\d\d)")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th|s)")
#: OCR skeleton of a word: confusable letters folded to one representative
_SKELETON = str.maketrans("eij1|0", "cllllo")
_SKELETON_PAIRS = (("rn", "m"), ("cl", "d"), ("vv", "w"))

#: Wire-style abbreviations and their spelled-out forms, folded to one token.
WIRE_ABBREVIATIONS: dict[str, str] = {
    "pct": "percent",
    "mln": "million",
    "mn": "million",
    "bln": "billion",
    "bn": "billion",
    "dlr": "dollar",
    "dlrs": "dollars",
    "ct": "cent",
    "cts": "cents",
    "stg": "sterling",
    "shr": "share",
    "shrs": "shares",
    "rev": "revenue",
    "revs": "revenues",
    "qtr": "quarter",
    "qtrs": "quarters",
    "qtly": "quarterly",
    "qtrly": "quarterly",
    "div": "dividend",
    "divs": "dividends",
    "mth": "month",
    "mths": "months",
    "yr": "year",
    "yrs": "years",
    "avg": "average",
    "oper": "operating",
    "pt": "point",
    "pts": "points",
    "corporation": "corp",
    "incorporated": "inc",
}

#: US/UK spelling: British suffix -> American suffix, longest first. Applied to
#: fingerprints only, on words of five letters or more; a rule that also folds
#: an unrelated word (``flour`` -> ``flor``) does so on both sides, so it only
#: costs a little discrimination.
SPELLING_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("isations", "izations"), ("isation", "ization"), ("ising", "izing"),
    ("ised", "ized"), ("ises", "izes"), ("ise", "ize"),
    ("ysing", "yzing"), ("ysed", "yzed"), ("yses", "yzes"), ("yse", "yze"),
    ("ourable", "orable"), ("ouring", "oring"), ("oured", "ored"), ("ourer", "orer"),
    ("ourite", "orite"), ("ours", "ors"), ("our", "or"),
    ("elled", "eled"), ("elling", "eling"), ("eller", "eler"),
    ("tres", "ters"), ("tre", "ter"), ("fence", "fense"), ("cence", "cense"),
    ("ogues", "ogs"), ("ogue", "og"), ("mmes", "ms"), ("mme", "m"),
)

_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 400_000


def repair(text: str) -> str:
    """Undo mojibake when the text shows its signature; otherwise return it unchanged.

    >>> repair("Judge\u00e2\u20ac\u2122s")
    'Judge’s'
    """
    if text.isascii():
        return text
    if not _MOJIBAKE_UTF8.search(text.encode("utf-8", "surrogatepass")):
        return text
    import ftfy

    return ftfy.fix_encoding(text)


def canonical(token: str) -> str:
    """The fingerprint form of one casefolded token (words separated by a space when it splits).

    >>> [canonical(t) for t in ("u.s", "4,628,650", "1o", "0.4", "lisb0n", "colour", "mln", "vs32", "4th")]
    ['us', '4628650', '10', '4', 'llsbon', 'color', 'mllllon', 'vs 32', '4th']
    """
    found = _CACHE.get(token)
    if found is not None:
        return found
    word = _canonical(token)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[token] = word
    return word


def skeleton(word: str) -> str:
    """Fold OCR-confusable letters (``e``/``c``, ``i``/``l``/``1``, ``rn``/``m``, ``cl``/``d``).

    >>> skeleton("rnodel"), skeleton("model"), skeleton("rnodcl")
    ('modd', 'modd', 'modd')
    """
    word = word.translate(_SKELETON)
    for pair, single in _SKELETON_PAIRS:
        if pair in word:
            word = word.replace(pair, single)
    return word


def _canonical(token: str) -> str:
    word = token.translate(_INNER_PUNCT)
    if not word.isalpha() and not word.isdigit() and not _ORDINAL.fullmatch(word) \
            and _GLUED.search(word):
        return " ".join(_canonical(part) for part in _GLUED.split(word) if part)
    if _OCR_NUMBER.fullmatch(word):
        # a figure: OCR letters read as digits, punctuation and leading zeros dropped
        word = "".join(c for c in word.translate(_OCR_DIGITS) if c.isdigit()).lstrip("0") or "0"
    elif _OCR_WORD.fullmatch(word):
        word = word.replace(".", "").translate(_OCR_LETTERS)
    else:
        word = word.replace(".", "")
    if word in WIRE_ABBREVIATIONS:
        word = WIRE_ABBREVIATIONS[word]
    elif len(word) >= 5 and word.isalpha():
        for suffix, replacement in SPELLING_SUFFIXES:
            if word.endswith(suffix):
                word = word[: -len(suffix)] + replacement
                break
    if not word.isdigit():
        word = skeleton(word)
    return word


def fold(text: str) -> str:
    """Repair, apply Unicode compatibility folding and casefold."""
    return _fold_repaired(repair(text))


def _fold_repaired(text: str) -> str:
    """:func:`fold` of text that needs no repair."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    if "%" in text or "per cent" in text or "per  cent" in text or "per\tcent" in text:
        text = _PERCENT.sub(" percent ", text)
    return text


def _split_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    # every ASCII character ``str.split`` counts as a space (0x1C-0x1F too, which ``bytes.split``
    # does not) becomes a plain space, so that a token ends at a space byte and nowhere else
    for code in list(range(0x09, 0x0E)) + list(range(0x1C, 0x20)) + list(range(0x21, 0x30)) + \
            list(range(0x3A, 0x41)) + list(range(0x5B, 0x61)) + list(range(0x7B, 0x7F)) + \
            list(range(0xA0, 0xC0)) + [0xD7, 0xF7] + list(range(0x2000, 0x2070)) + list(range(0x3000, 0x3004)):
        table[code] = " "
    for joiner in ".,'\u2019\u00ad":  # inner punctuation joins (U.S., 4,628, party's)
        table[ord(joiner)] = None
    return table


_SPLIT = _split_table()
_ASCII_SPLIT = bytes(32 if _SPLIT.get(c, c) == " " else c for c in range(256))
_ASCII_JOIN = b".,'"
_UTF8_SPLIT = _ASCII_SPLIT[:128] + bytes(range(128, 256))
_COMMON_MARKS = ("\u201c", "\u201d", "\u2018", "\u2013", "\u2014", "\u2026", "\u00a0", "\u202f")
_UNICODE_PUNCT = re.compile("[\u00a0-\u00ac\u00ae-\u00bf\u00d7\u00f7\u2000-\u2018\u201a-\u206f\u3000-\u3003]")


#: the spaces ``str.split`` knows that neither NFKC nor :data:`_UNICODE_PUNCT` turns into a space
_OTHER_SPACES = ("\x85", "\u1680")
#: the non-ASCII characters :func:`separated` removes or turns into spaces (U+0085,
#: U+00A0-U+00BF, U+00D7, U+00F7, U+1680, U+2000-U+206F, U+3000-U+3003) all begin with one of
#: these UTF-8 bytes or are one of these characters (single bytes and characters are found
#: by ``memchr``): text with none of them needs no regex
_SEPARATOR_LEADS = (b"\xc2", b"\xe1", b"\xe2", b"\xe3")
_SEPARATOR_CHARS = ("\u00d7", "\u00f7")


def separated(folded: str) -> bytes:
    """The UTF-8 bytes of folded text with every separator an ASCII space and the joiners gone:
    its raw tokens are its ASCII-whitespace-separated words (see :func:`raw_tokens`).

    >>> separated("the u.s. party’s 4,628,650 – 6-1/4 pct.")
    b'the us partys 4628650   6 1 4 pct'
    """
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_SPLIT, _ASCII_JOIN)
    # the common typography first (plain replaces are much faster than a regex over the text)
    folded = folded.replace("\u2019", "")
    for mark in _COMMON_MARKS:
        if mark in folded:
            folded = folded.replace(mark, " ")
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_SPLIT, _ASCII_JOIN)
    encoded = folded.encode("utf-8")
    if any(lead in encoded for lead in _SEPARATOR_LEADS) or any(c in folded for c in _SEPARATOR_CHARS):
        if "\u00ad" in folded:  # (U+2019 is gone already)
            folded = folded.replace("\u00ad", "")
        folded = _UNICODE_PUNCT.sub(" ", folded)
        for space in _OTHER_SPACES:
            if space in folded:
                folded = folded.replace(space, " ")
        encoded = folded.encode("utf-8")
    # the remaining non-ASCII characters are letters: their UTF-8 bytes (>= 0x80) pass unchanged
    return encoded.translate(_UTF8_SPLIT, _ASCII_JOIN)


#: the typography of plain English news, each with an ASCII stand-in that folds and separates
#: alike: the quotes and dashes (which repairing, NFKC and casefolding leave alone) by a
#: character that is neither a word character nor a space (the percent rule reads the same)
#: and separates (``#``) or joins (``'``) tokens as they do; the spaces and the ellipsis by
#: their NFKC forms
_PLAIN_MARKS = (("\u2019", "'"), ("\u201c", "#"), ("\u201d", "#"), ("\u2018", "#"), ("\u2013", "#"),
                ("\u2014", "#"), ("\u00a0", " "), ("\u202f", " "), ("\u2026", "..."))


def fingerprint_bytes(text: str) -> bytes:
    """``separated(fold(text))``. The common quotes and dashes are replaced one for one by ASCII
    stand-ins first (:data:`_PLAIN_MARKS`) unless the text needs repairing (they can be part of
    mojibake): text that is ASCII but for them (most news) then folds and separates by the
    ASCII paths (no Unicode casefolding, NFKC or regex).

    >>> text = "The \u201cU.S.\u201d party\u2019s Per\u2013cent, 5 per\u00a0cent \u2014 50%\u2026"
    >>> fingerprint_bytes(text)
    b'the  us  partys per cent 5  percent    50 percent '
    >>> [fingerprint_bytes(t) == separated(fold(t)) for t in (text, text + " \u00c9T\u00c9", "Caf\u00c3\u00a9")]
    [True, True, True]
    """
    if text.isascii():
        return separated(_fold_repaired(text))
    plain = text
    for mark, stand_in in _PLAIN_MARKS:
        if mark in plain:
            plain = plain.replace(mark, stand_in)
    if plain.isascii():
        return separated(_fold_repaired(plain))
    repaired = repair(text)
    return separated(_fold_repaired(plain if repaired is text else repaired))


def raw_tokens(folded: str) -> list[str]:
    """Word tokens of folded text: punctuation splits, ``.``/``,``/apostrophes join.

    >>> raw_tokens("the u.s. party’s 4,628,650 – 6-1/4 pct.")
    ['the', 'us', 'partys', '4628650', '6', '1', '4', 'pct']
    """
    return separated(folded).decode("utf-8").split()


def raw_token_table(texts: list[bytes]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The raw tokens of many texts (each :func:`separated`) at once, without a Python object per
    token: the offsets of each text's tokens (``len(texts) + 1``), each token as an index into
    the distinct tokens, and the distinct tokens (in first-seen order).

    The tokens are the runs of non-space bytes of the texts joined by spaces, found by numpy;
    Arrow's dictionary encoding finds the distinct ones (most tokens of a batch of articles
    repeat), and only those become Python strings.

    >>> offsets, index, distinct = raw_token_table([separated(t) for t in ["the u.s. and the", "", "and"]])
    >>> offsets.tolist(), [distinct[i] for i in index]
    ([0, 4, 4, 5], ['the', 'us', 'and', 'the', 'and'])
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    spaced = b" ".join(texts)
    joined = np.frombuffer(spaced, dtype=np.uint8)
    solid = np.zeros(len(joined) + 2, dtype=bool)  # padded by a space at either end
    np.not_equal(joined, 32, out=solid[1:-1])
    edges = np.flatnonzero(solid[1:] != solid[:-1])  # token starts and ends, alternately
    starts = edges[0::2]
    text_starts = np.cumsum([0] + [len(text) + 1 for text in texts])
    offsets = np.searchsorted(starts, text_starts)
    bounds = np.zeros(len(starts) + 1, dtype=np.int64)  # of the tokens, the spaces taken out
    np.cumsum(edges[1::2] - starts, out=bounds[1:])
    tokens = pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(bounds),
                                              pa.py_buffer(spaced.translate(None, b" ")))
    encoded = pc.dictionary_encode(tokens)
    return offsets, encoded.indices.to_numpy(), encoded.dictionary.to_pylist()


def tokens(text: str) -> list[str]:
    """Canonical word tokens of ``text`` (see the module docstring)."""
    return [w for t in raw_tokens(fold(text)) for w in canonical(t).split()]


def is_number(token: str) -> bool:
    """True for a canonical token that is a figure (``10``, ``1987``; not ``4th``)."""
    return token.isdigit()


def split_headline(record: dict) -> tuple[str, str]:
    """The article's headline and body: ``title`` if set, else the first line of ``text``.

    >>> split_headline({"title": None, "text": "Headline here\\n\\nBody text."})
    ('Headline here', '\\nBody text.')
    """
    text = record.get("text") or ""
    title = record.get("title")
    if title is not None:
        return title, text
    stripped = text.lstrip()
    head, _, body = stripped.partition("\n")
    return head, body


_MONTH_START = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})\b|\b(\d{{1,2}})\s+{_MONTH}(?![\w])")
#: a wire dateline (``PARIS, April 2 -``) wins over other dates (captions, bylines)
_DATELINE = re.compile(rf",\s+{_MONTH}\s+(\d{{1,2}})\s*[-\u2013\u2014]()()")


def story_day(record: dict, body: str, window: int = 300) -> int:
    """The story's date as ``month * 32 + day``, or -1 when unknown.

    From the record's ISO ``date`` when set, else from the first date in the
    opening of the body (a dateline such as ``PARIS, April 2 -`` or an
    ``18 June 1987`` line). The year is ignored: copies carry the same dateline.

    >>> story_day({"date": None}, "PARIS, April 2 - The Bank of France...")
    130
    >>> story_day({"date": "1987-04-02"}, ""), story_day({}, "No date here.")
    (130, -1)
    """
    iso = record.get("date")
    if iso and len(iso) >= 10 and iso[4] == "-":
        try:
            return int(iso[5:7]) * 32 + int(iso[8:10])
        except ValueError:
            pass
    opening = repair(body[:window]).casefold()
    match = _DATELINE.search(opening) or _DATE.search(opening)
    if not match:
        return -1
    if match.group(1):
        month, day = match.group(1), match.group(2)
    else:
        day, month = match.group(3), match.group(4)
    return (_MONTHS.index(month) + 1) * 32 + int(day)


def _one_digit_dropped(x: int, y: int) -> bool:
    """One day number is the other with a digit dropped (``17``/``1``, ``13``/``3``, ``20``/``2``).

    A changed digit is not a slip: any two days 1–9 differ by one digit, and a weekly
    story of the 2nd and the 9th is two stories.
    """
    a, b = sorted((str(x), str(y)), key=len, reverse=True)
    return len(a) == len(b) + 1 and any(a[:i] + a[i + 1:] == b for i in range(len(a)))


#: ``SLIPPED[d1, d2]``: day-of-month ``d1`` could be ``d2`` with a digit lost (or the reverse)
SLIPPED = [[_one_digit_dropped(x, y) for y in range(32)] for x in range(32)]


def date_slip(a: int, b: int) -> bool:
    """Two :func:`story_day` values of the same month, one day number the other with a digit
    lost: what OCR does to a dateline (``April 17`` read as ``April 1``).

    >>> date_slip(4 * 32 + 17, 4 * 32 + 1), date_slip(3 * 32 + 2, 3 * 32 + 9), date_slip(3 * 32 + 4, 5 * 32 + 14)
    (True, False, False)
    """
    return a >= 0 and b >= 0 and a // 32 == b // 32 and SLIPPED[a % 32][b % 32]


def days_apart(a: int, b: int) -> int:
    """Distance in days between two :func:`story_day` values, across the new year.

    >>> days_apart(story_day({}, "March 31"), story_day({}, "April 2")), days_apart(12 * 32 + 30, 32 + 2)
    (2, 3)
    """
    def ordinal(value: int) -> int:
        return _MONTH_START[min(12, max(1, value // 32)) - 1] + value % 32

    gap = abs(ordinal(a) - ordinal(b)) % 365
    return min(gap, 365 - gap)
