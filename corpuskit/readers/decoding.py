"""Choosing the text encoding of a source file: decided, declared or detected, never guessed.

:func:`choose` returns a :class:`Decoding` (the codec and how it was chosen)
or raises a one-line :class:`~corpuskit.errors.InputError`. In order:

1. a **declared** encoding (``--encoding`` or the configuration's ``encoding`` /
   ``[encodings]``) is used, unless the bytes contradict it outright (a
   byte-order mark of another encoding, or non-ASCII text that is valid
   UTF-8 under a legacy declaration);
2. a UTF-8, UTF-16 or UTF-32 **byte-order mark** decides;
3. NUL bytes in the UTF-16 or UTF-32 pattern (every other byte, three of four)
   mean BOM-less UTF-16/32; other NUL bytes mean a binary file, which is refused;
4. valid **UTF-8** is UTF-8 (no detector runs), unless it is 7-bit text with
   ISO-2022 escape sequences (``ESC $ B`` ...) or HZ shifts (``~{ ~}``), which
   are decoded with that codec when it decodes them and the result is text;
5. anything else goes to **detection**: charset-normalizer proposes
   candidates (from the text outside markup) and :data:`COMMON_CODECS` are
   tried too; each distinct decoded text is judged on the words of the text
   nodes that hold non-ASCII characters (:func:`plausibility`): no control
   characters, no signs glued inside words, no two alphabets in a word, no
   inverted case, and how likely its non-ASCII characters are in the n-gram
   profile of the text's language. A candidate is accepted when it is
   plausible, the detector is confident in it (:data:`MIN_CONFIDENCE`), and it
   is more likely than every other clean decoding by :data:`MIN_GAIN` in all
   and :data:`TIE_MARGIN` per differing word (rare code pages weigh less a
   priori; codecs browsers read with a superset are read with it). A file
   larger than the sample must read as clean text in every later MiB.
   Otherwise the file is refused, naming the candidates and the
   ``--encoding`` option.

Candidates that decode the bytes to the *same* text (cp1252 and latin-1 on a
file without 0x80-0x9F bytes, cp1250 and iso-8859-2 on Hungarian) do not
disagree; the detector's first choice names them.
"""

from __future__ import annotations

import codecs
import fnmatch
import math
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from corpuskit.errors import ConfigError, InputError

AUTO = "auto"
#: How a file's encoding was chosen, as recorded in the manifest.
CHOSEN_BY = ("utf-8", "bom", "declared", "detected", "escape sequences", "nul pattern")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNICODE = ("utf-8", "utf-16", "utf-32")

#: Bytes of a file that detection reads (cut at a line end); the chosen codec
#: must still decode the whole file.
DETECT_BYTES = 1 << 20
#: Non-ASCII words checked in each later MiB of a detected file.
SEGMENT_WORDS = 5000
#: The detector's confidence (1 - its "chaos" measure) needed to accept a candidate.
MIN_CONFIDENCE = 0.9
#: Share of non-ASCII words that may look wrong (a stray symbol) in a plausible text.
MAX_BAD_WORDS = 0.03
#: Mean log-probability per n-gram slot (of the non-ASCII characters, in the
#: text's language) below which a decoding is not text the profiles know.
MIN_LIKELIHOOD = -9.0
#: A second plausible decoding less likely than this (log-probability per word in
#: which the two differ) is a tie.
TIE_MARGIN = 2.0
#: Log-probability a wrong-looking word costs when decodings are compared.
BAD_WORD_COST = 10.0
#: Log-likelihood ratio a decoding needs over any other clean one, in all.
MIN_GAIN = 8.0
#: Log prior of a codec outside :data:`COMMON_CODECS` (about 1 in 150).
RARE_CODEC_LOGPRIOR = -5.0
#: Log-probability of each of a punctuation mark's three n-gram slots (it has no
#: n-grams in langdetect's profiles, and is common in every language).
PUNCTUATION_LOGPROB = -7.0
#: ASCII words of a Latin-script text needed before they are asked its language, and
#: the rank that language must have among theirs.
MIN_ASCII_WORDS = 4
LANGUAGE_RANK = 2
#: Non-ASCII words needed before the language evidence counts.
MIN_WORDS = 3

#: Legacy codecs every detection also tries (beside the detector's own
#: proposals), so that the right one is judged even when the detector misses it;
#: the ones met in web pages, feeds and news archives.
COMMON_CODECS = (
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "iso8859-2", "iso8859-4", "iso8859-5", "iso8859-7", "iso8859-8", "iso8859-9", "iso8859-13",
    "iso8859-15", "iso8859-16", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp866", "cp874",
    "shift_jis", "euc_jp", "gb18030", "big5hkscs", "cp949",
)
#: Codecs that browsers (the WHATWG Encoding Standard) read with a superset, which
#: differs from Python's codec in a few marks (GB2312's 0xA1AA is U+2015 in
#: Python's gb2312, U+2014 in GBK): detection proposes the superset.
WEB_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "iso8859-1": "cp1252", "iso8859-9": "cp1254",
                 "tis-620": "cp874", "iso8859-11": "cp874", "euc_kr": "cp949", "big5": "big5hkscs"}
_FIX = ("declare it with --encoding NAME (or per input in the configuration's [encodings] "
        "table), or convert the file to UTF-8")


@dataclass(frozen=True)
class Decoding:
    """The codec of a source and how it was chosen (see :data:`CHOSEN_BY`)."""

    encoding: str
    chosen_by: str
    bom: int = 0
    confidence: float | None = None


def codec_name(name: object, where: str) -> str:
    """The canonical Python codec name for ``name`` (``auto`` stays ``auto``), or a
    :class:`ConfigError` naming ``where`` (the option or configuration key).

    >>> codec_name("Windows-1251", "--encoding"), codec_name("Shift_JIS", "--encoding"), codec_name("auto", "x")
    ('cp1251', 'shift_jis', 'auto')
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where} must be the name of a text encoding, e.g. 'cp1251'")
    if name.strip().lower() == AUTO:
        return AUTO
    try:
        info = codecs.lookup(name.strip())
    except LookupError:
        raise ConfigError(f"{where}: unknown encoding {name!r}; use a Python codec name such as "
                          "'cp1251', 'iso-8859-2', 'shift_jis' or 'auto'") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ConfigError(f"{where}: {name!r} is not a text encoding")
    return "utf-8" if info.name == "utf-8-sig" else info.name


class EncodingPlan:
    """Which encoding is declared for which input: ``table`` maps paths, folders or
    globs (relative to ``root``, like ``inputs``) to codec names; the longest
    matching key wins; ``default`` applies elsewhere (``auto``: decide or detect).

    >>> plan = EncodingPlan("auto", {"old": "cp1251", "old/jp/*.txt": "shift_jis"}, "/p")
    >>> plan.declared("/p/old/a.txt"), plan.declared("/p/old/jp/b.txt"), plan.declared("/p/new.txt")
    ('cp1251', 'shift_jis', None)
    """

    def __init__(self, default: str = AUTO, table: dict[str, str] | None = None,
                 root: str | None = None):
        self.default = default
        base = os.path.abspath(root or os.getcwd())
        self._keys = sorted(((key, os.path.normpath(os.path.join(base, key)), name)
                             for key, name in (table or {}).items()),
                            key=lambda item: -len(item[0]))

    @staticmethod
    def _matches(pattern: str, path: str) -> bool:
        if any(ch in pattern for ch in "*?["):
            return fnmatch.fnmatchcase(path, pattern)
        return path == pattern or path.startswith(pattern.rstrip(os.sep) + os.sep)

    def declared(self, path: str) -> str | None:
        """The codec declared for the file at ``path``, or None to decide from its bytes."""
        absolute = os.path.abspath(path)
        name = next((n for _, pattern, n in self._keys if self._matches(pattern, absolute)),
                    self.default)
        return None if name == AUTO else name

    def unmatched(self, files: list[str]) -> list[str]:
        """Keys of the table that match none of ``files`` (most likely a typo)."""
        absolute = [os.path.abspath(f) for f in files]
        return [key for key, pattern, _ in self._keys
                if not any(self._matches(pattern, f) for f in absolute)]


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _is_utf8(data: bytes, partial: bool) -> bool:
    """Valid UTF-8 (a sample may end inside a character)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=not partial)
    except UnicodeDecodeError:
        return False
    return True


def _unicode_without_bom(data: bytes) -> str | None:
    """UTF-32 or UTF-16 (LE or BE) when NUL bytes sit where those encodings put them
    for mostly-Latin text (three of four bytes, or every other byte), else None."""
    sample = data[:8192]
    if len(sample) < 8:
        return None

    def nul_share(lane: int, width: int) -> float:
        return sample[lane::width].count(0) / len(sample[lane::width])

    if len(data) % 4 == 0:
        lanes = [nul_share(lane, 4) for lane in range(4)]
        if lanes[0] <= 0.05 and lanes[1] >= 0.4 and min(lanes[2:]) >= 0.95:
            return "utf-32-le"
        if lanes[3] <= 0.05 and lanes[2] >= 0.4 and min(lanes[:2]) >= 0.95:
            return "utf-32-be"
    if len(data) % 2:
        return None
    even, odd = nul_share(0, 2), nul_share(1, 2)
    if odd >= 0.4 and even <= 0.05:
        return "utf-16-le"
    if even >= 0.4 and odd <= 0.05:
        return "utf-16-be"
    return None


# ISO-2022 designations: ESC then an intermediate byte ($ ( ) * + - . /) or a
# single shift (N O). ANSI colour codes (ESC [) are not designations.
ESCAPE_RE = re.compile(rb"\x1b[$()*+\-./NO]")
_ESCAPE_CODECS = (
    (re.compile(rb"\x1b\$\)C"), ("iso2022_kr",)),
    (re.compile(rb"\x1b\$[)*+]?[AGH]|\x1b\$\)[EI]"), ()),  # ISO-2022-CN: no Python codec
    (re.compile(rb"\x1b[$(]"), ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_3",
                                "iso2022_jp_2004", "iso2022_jp_1")),
)


def escape_encoding(data: bytes, path: str) -> Decoding | None:
    """ISO-2022-JP/KR or HZ for 7-bit text with their escape sequences, else None.

    ISO-2022-CN (which Python cannot decode) and escape sequences no codec
    decodes are refused.
    """
    if ESCAPE_RE.search(data):
        at = ESCAPE_RE.search(data).start()
        for pattern, names in _ESCAPE_CODECS:
            if not pattern.search(data):
                continue
            for name in names:
                try:
                    data.decode(name)
                except UnicodeDecodeError:
                    continue
                return Decoding(name, "escape sequences")
            if not names:
                raise InputError("ISO-2022-CN escape sequences, which Python cannot decode; convert "
                                 "the file to UTF-8 (e.g. iconv -f ISO-2022-CN -t UTF-8)",
                                 path, _line_of(data, at))
            break
        raise InputError("ISO-2022 escape sequences that no ISO-2022 codec decodes; "
                         + _FIX, path, _line_of(data, at))
    if b"~{" in data:
        try:
            text = data.decode("hz")
        except UnicodeDecodeError:
            return None  # a literal "~{" in ASCII text
        if _HAN_RE.search(text) and plausibility(text).plausible:
            return Decoding("hz", "escape sequences")
    return None


def choose(data: bytes, path: str, declared: str | None = None, partial: bool = False) -> Decoding:
    """The encoding of ``data`` (a whole file, or its first bytes when ``partial``).

    >>> choose("café".encode(), "a.txt")
    Decoding(encoding='utf-8', chosen_by='utf-8', bom=0, confidence=None)
    >>> choose(codecs.BOM_UTF16_LE + "café".encode("utf-16-le"), "a.txt").chosen_by
    'bom'
    """
    bom, bom_codec = next(((len(b), c) for b, c in _BOMS if data.startswith(b)), (0, None))
    if declared not in (None, AUTO):
        return _declared(data, path, declared, bom, bom_codec, partial)
    if bom_codec is not None:
        return Decoding(bom_codec, "bom", bom)
    if b"\x00" in data:
        encoding = _unicode_without_bom(data)
        if encoding is not None:
            return Decoding(encoding, "nul pattern")
        raise InputError("binary data (NUL byte); expected text. If this is UTF-16 or UTF-32, "
                         "add a byte-order mark or convert it to UTF-8", path,
                         _line_of(data, data.index(b"\x00")))
    if _is_utf8(data, partial):
        if data.isascii():
            escaped = escape_encoding(data, path)
            if escaped is not None:
                return escaped
        return Decoding("utf-8", "utf-8")
    return detect(data, path, partial)


def _declared(data: bytes, path: str, declared: str, bom: int, bom_codec: str | None,
              partial: bool) -> Decoding:
    family = next((u for u in _UNICODE if declared.startswith(u)), None)
    if bom_codec is not None:
        if family is None or not bom_codec.startswith(family):
            raise InputError(f"declared {declared}, but the file starts with a {bom_codec} "
                             "byte-order mark; remove the declaration for this file", path, 1)
        return Decoding(bom_codec if declared in _UNICODE else declared, "declared", bom)
    if family is None and not data.isascii() and b"\x00" not in data and _is_utf8(data, partial):
        raise InputError(f"declared {declared}, but the file is valid UTF-8 with non-ASCII text, "
                         f"which {declared} would garble; declare utf-8 for this file (or "
                         "remove the declaration)", path, 1)
    return Decoding(declared, "declared")


def decode(data: bytes, path: str, declared: str | None = None) -> tuple[str, Decoding]:
    """The whole text of ``data`` and how its encoding was chosen, or a one-line
    :class:`InputError` naming the file and the line that does not decode.

    >>> decode("Le “café” est très chaud à Noël, dit-il à l’élève.".encode("cp1252"), "a.txt")[1].encoding
    'cp1252'
    """
    choice = choose(data, path, declared)
    try:
        text = data[choice.bom:].decode(choice.encoding)
    except UnicodeDecodeError as exc:
        raise undecodable(choice, path, _line_of(data, exc.start + choice.bom)) from None
    if choice.chosen_by == "detected" and len(data) > DETECT_BYTES:
        _same_encoding_throughout(text, choice, path)
    return text, choice


def _same_encoding_throughout(text: str, choice: Decoding, path: str) -> None:
    """Detection read the first MiB: every later MiB must read as clean text in the same
    codec too (a single-byte codec decodes anything), else the file mixes encodings."""
    start = text.find("\n", DETECT_BYTES) + 1
    while 0 < start < len(text):
        segment = text[start:start + DETECT_BYTES]
        words = [w for w in evidence_words(segment) if not w.isascii()]
        step = max(1, len(words) // SEGMENT_WORDS)
        sampled = words[::step]
        if sum(_word_is_bad(w) for w in sampled) > MAX_BAD_WORDS * len(sampled) + 1:
            raise InputError(f"the next MiB of text does not read as {choice.encoding} (detected from "
                             f"the file's start): the file mixes encodings; {_FIX}", path,
                             text.count("\n", 0, start) + 1)
        start += len(segment)


def undecodable(choice: Decoding, path: str, line: int) -> InputError:
    """The error for bytes the chosen codec cannot decode (e.g. a file that mixes encodings)."""
    how = {"declared": "declared", "bom": "given by its byte-order mark",
           "utf-8": "UTF-8 like the lines before"}.get(choice.chosen_by, "detected from its start")
    return InputError(f"not valid {choice.encoding} (the encoding {how}); the file mixes encodings "
                      f"or is damaged; {_FIX}", path, line)


# -- detection --------------------------------------------------------------------

def detect(data: bytes, path: str, partial: bool = False) -> Decoding:
    """A detected legacy encoding, or the one-line refusal (see the module docstring)."""
    bad_line = _first_non_utf8_line(data)
    sample = data[:DETECT_BYTES]
    if len(data) > DETECT_BYTES:
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    stripped = _MARKUP_BYTES_RE.sub(b" ", sample)
    proposed = _proposals(stripped)
    judged: dict[str, list] = {}  # decoded text -> [verdict, detector confidence, codec names]
    for name in [*proposed, *(c for c in COMMON_CODECS if c not in proposed)]:
        try:
            text = _decode_prefix(sample, name) if partial or sample is not data else sample.decode(name)
        except UnicodeDecodeError:
            continue
        entry = judged.get(text)
        if entry is None:
            entry = judged[text] = [None, None, []]
        entry[2].append(name)
        if name in proposed and entry[1] is None:
            entry[1] = proposed[name]
    for text, entry in judged.items():
        entry[0] = plausibility(text)
    plausible = sorted((e for e in judged.values() if e[0].plausible), key=lambda e: -e[0].rank_score)
    if not plausible:
        raise refusal(path, bad_line, "no candidate decodes it to plausible text",
                      [e[2][0] for e in judged.values()] or list(proposed))
    best, confidence, names = plausible[0]
    # a clean decoding the language model cannot vouch for (a language it lacks) still rivals
    rivals = [e for e in judged.values() if e[0].clean and e[0] is not best]
    if any(separation(best, other, _prior(names) - _prior(other_names)) < TIE_MARGIN
           for other, _, other_names in rivals):
        raise refusal(path, bad_line, "candidates decode it to different text and nothing "
                      "separates them", [e[2][0] for e in plausible])
    name = next((n for n in names if n in proposed), names[0])
    if confidence is None:  # not among its proposals: ask the detector about this codec
        confidence = _proposals(stripped, name).get(name)
    if confidence is None or confidence < MIN_CONFIDENCE:
        why = ("the detector rejects the most plausible candidate" if confidence is None
               else f"the detector is not confident ({confidence:.2f})")
        raise refusal(path, bad_line, why, [e[2][0] for e in plausible])
    return Decoding(name, "detected", confidence=confidence)


def refusal(path: str, line: int, why: str, candidates: list[str]) -> InputError:
    """The one-line refusal of a file whose encoding cannot be determined safely."""
    likely = ", ".join(dict.fromkeys(candidates[:4])) or "none"
    return InputError(f"not UTF-8, and its encoding cannot be determined safely ({why}; "
                      f"likely: {likely}); {_FIX}", path, line)


def _proposals(sample: bytes, only: str | None = None) -> dict[str, float]:
    """charset-normalizer's candidates for ``sample`` (its text outside markup), best
    first, with its confidence (1 - its chaos measure) in each; ``only``: its
    verdict on that one codec. Codecs browsers read with a superset are named by
    the superset (:data:`WEB_SUPERSETS`)."""
    from charset_normalizer import from_bytes

    proposed: dict[str, float] = {}
    for match in from_bytes(sample, explain=False, cp_isolation=[only] if only else None):
        confidence = round(1.0 - float(match.chaos), 3)
        for name in [match.encoding, *match.could_be_from_charset]:
            try:
                name = codec_name(name, "detector")
            except ConfigError:
                continue
            if not name.startswith(_UNICODE):
                proposed.setdefault(WEB_SUPERSETS.get(name, name), confidence)
    return proposed


def _first_non_utf8_line(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _line_of(data, exc.start)
    return 1


def _decode_prefix(data: bytes, name: str) -> str:
    """Decode the first bytes of a file (a multi-byte character may be cut at the end)."""
    return codecs.getincrementaldecoder(name)().decode(data, final=False)


# -- plausibility -----------------------------------------------------------------

_MARKUP_RE = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->|<!\[CDATA\[|\]\]>|<[^<>]*>")
_ENTITY_RE = re.compile(r"&#?\w{1,10};")
# The same on bytes, for the detector (tags are ASCII in every codec it proposes,
# and no multi-byte codec's trail byte is "<" or ">").
_MARKUP_BYTES_RE = re.compile(rb"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^<>]*>")
_ASCII_SPACE_RE = re.compile(r"[ \t\r\f\v]+")
_C1_RE = re.compile("[\x80-\x9f]")
_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Scripts written without spaces between words: a "word" there is a phrase that
# may hold Latin letters too, so mixing with them is not evidence of a wrong codec.
#: Punctuation that real words hold between letters (apostrophes, Catalan's l·l,
#: Hebrew's geresh and gershayim).
_INNER_PUNCT = "’‘·\u05f3\u05f4"
_UNSPACED = frozenset({"CJK", "HANGUL", "THAI", "LAO", "KHMER", "FULLWIDTH", "HALFWIDTH"})


@dataclass(frozen=True)
class Plausibility:
    """The verdict on a decoded text: is it plausible text, and how language-like is it."""

    plausible: bool
    likelihood: float  # mean log-probability per n-gram around its non-ASCII characters
    count: int  # how many n-grams that mean is over
    language: str
    words: tuple[str, ...]  # its non-ASCII words (outside markup)
    bad: int  # how many of them look wrong

    @property
    def rank_score(self) -> float:
        """Mean log-probability per slot, each wrong-looking word costing :data:`BAD_WORD_COST`."""
        return self.likelihood - BAD_WORD_COST * self.bad / max(self.count, 1)

    @property
    def clean(self) -> bool:
        """No more wrong-looking words than real text has (whatever its language):
        a share of them, and one odd word (a ´ for an apostrophe) in a longer text."""
        return self.bad <= MAX_BAD_WORDS * len(self.words) + (len(self.words) >= 10)


def text_outside_markup(text: str) -> str:
    """The text with tags, comments, scripts and styles turned into line ends and
    entities into spaces: one line per text node.

    >>> text_outside_markup('<p class="x">Gr&uuml;&szlig;e <b>aus</b> Köln</p><script>var a;</script>')
    '\\nGr  e \\naus\\n Köln\\n\\n'
    """
    return _ENTITY_RE.sub(" ", _MARKUP_RE.sub("\n", text))


def evidence_words(text: str) -> list[str]:
    """The words of the text nodes (lines, outside markup) that hold non-ASCII
    characters: navigation, scripts and markup around them do not dilute them.
    Words are cut at ASCII spaces only: a no-break space is a character to judge
    (another codec's letter may read as one)."""
    return [word for line in text_outside_markup(text).split("\n") if not line.isascii()
            for word in _ASCII_SPACE_RE.split(line) if word]


def _script(char: str) -> str:
    """The script of a letter (compatibility forms count as their letter: µ is Greek)."""
    script = unicodedata.name(unicodedata.normalize("NFKC", char)[:1] or char, "").split(" ", 1)[0]
    return "CJK" if script in ("HIRAGANA", "KATAKANA", "IDEOGRAPHIC", "CJK") else script


def _core(word: str) -> str:
    """``word`` without the punctuation (of any script) around it.

    >>> _core("«الكريم؟»"), _core("(l’école),")
    ('الكريم', 'l’école')
    """
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start])[0] == "P":
        start += 1
    while end > start and unicodedata.category(word[end - 1])[0] == "P":
        end -= 1
    return word[start:end]


def _word_is_bad(word: str) -> bool:
    """Control or unassigned characters; more signs than letters; a symbol or
    digit-like sign glued between letters, or punctuation inside a word of a
    spaced script; two alphabets inside one word; a lower-case letter followed by
    an upper-case one (the sign of a case-swapped Cyrillic codec)."""
    core = _core(word)
    if not any(c.isalnum() for c in word) and sum(not c.isascii() for c in word) >= 3:
        return True  # "„‰«»⁄": letters of another codec read as signs
    if core[:1] in "¿¡" and len(core) > 1 and not core[1].isupper():
        return True
    letters = sum(unicodedata.category(c)[0] in "LM" for c in word)
    if letters and sum(unicodedata.category(c)[0] in "PS" for c in word if not c.isascii()) > letters:
        return True  # "·‡¯ı": more signs than letters
    scripts: set[str] = set()
    runs = [scripts]  # the scripts of each run of letters (Korean glosses Hanja in brackets)
    previous = letter = ""
    for index, char in enumerate(core):
        if not char.isalnum() and unicodedata.category(char)[0] not in "M" and scripts:
            scripts = set()
            runs.append(scripts)
        category = unicodedata.category(char)
        if category in ("Cc", "Cn", "Co", "Cs"):
            return True
        if category[0] in "LM":
            if char.isascii():
                scripts.add("LATIN")
            elif category[0] == "L":
                scripts.add(_script(char))
            elif _script(char) not in ("COMBINING", _script(previous) if previous else ""):
                return True  # a mark of another script on this letter (a Thai tone on "f")
            if previous.islower() and char.isupper() and not (char.isascii() and previous.isascii()):
                return True
            letter = char if category[0] == "L" else letter
        elif not char.isascii() and category != "Nd":
            after = core[index + 1:index + 2]
            if after.isalpha() and (category == "No" or index == 0 and category[0] == "S"):
                return True  # ¹ ² ³ ¼ or ΅ before a letter (km² is fine)
            if previous.isalpha() and after.isalpha() and category[0] in "SN":
                return True  # ‰ between letters: a letter of another codec
            if (category[0] == "P" and category != "Pd" and char not in _INNER_PUNCT and letter
                    and _script(letter) not in _UNSPACED):
                return True  # a quote after a letter and before the word's end: "гд«»Џ"
        previous = char
    # Hangul next to Han or kana in one word: GBK or Big5 bytes read as EUC-KR
    mixed = set().union(*runs) - _UNSPACED
    return len(mixed) > 1 or any({"HANGUL", "CJK"} <= run for run in runs)


def plausibility(text: str) -> Plausibility:
    """Judge a decoded text on its words outside markup that hold non-ASCII characters."""
    evidence = evidence_words(text[: 4 * DETECT_BYTES])[:20000]
    words = tuple(w for w in evidence if not w.isascii())
    if not words:
        return Plausibility(True, 0.0, 0, "und", (), 0)
    bad = sum(1 for word in words if _word_is_bad(word))
    if _C1_RE.search(text):  # C1 controls: never text, the sign of a wrong codec
        bad = max(bad, len(words))
    language = _language(" ".join(evidence[:3000]))
    likelihood, count = _char_likelihood(words[:3000], language)
    verdict = Plausibility(False, likelihood, count, language, words, bad)
    plausible = (verdict.clean and (len(words) < MIN_WORDS or likelihood >= MIN_LIKELIHOOD)
                 and _ascii_words_agree(evidence, words, language))
    return Plausibility(plausible, likelihood, count, language, words, bad)


def _ascii_words_agree(evidence: list[str], words: tuple[str, ...], language: str) -> bool:
    """In Latin-script text the ASCII words do not depend on the codec: the language
    they point to must be among the few nearest to the one the whole text points
    to (a wrong codec can make Icelandic look Latvian, but not its ASCII words)."""
    from corpuskit.lang import get_model

    letters = [c for w in words[:3000] for c in w if c.isalpha() and not c.isascii()]
    if sum(_script(c) == "LATIN" for c in letters) * 2 < len(letters):
        return True
    plain = [w for w in evidence if w.isascii() and w.isalpha()][:3000]
    if len(plain) < MIN_ASCII_WORDS:
        return True
    model = get_model()
    if language not in model.languages:
        return False
    totals, _ = model.scores(" ".join(plain).lower())
    target = totals[model.languages.index(language)]
    return sum(1 for value in totals if value > target) < LANGUAGE_RANK


def _language(text: str) -> str:
    """The most likely language of the whole text (all its words, ASCII ones too:
    in Latin-script text they do not depend on the codec)."""
    from corpuskit.lang import get_model

    return get_model().guess(text.lower()).language


def _char_likelihood(words, language: str) -> tuple[float, int]:
    """Mean log-probability, in ``language``'s langdetect profile, of the n-grams
    around each non-ASCII character of ``words`` (the character, and it with
    either neighbour), and their number. Every character counts as three n-grams,
    so decodings of the same bytes compare on equal terms: n-grams no profile
    holds, and signs langdetect ignores, at its smoothing floor (a wrong codec's
    letters are mostly unseen); punctuation, which has no n-grams, as common ones."""
    from corpuskit.lang import ALPHA, BASE_FREQ, get_model

    model = get_model()
    floor = math.log(ALPHA / BASE_FREQ)
    if language not in model.languages:
        return floor, 0
    column = model.languages.index(language)
    vocabulary = model.vocabulary
    ids: list[int] = []
    fixed = 0.0  # log-probability of the slots not looked up
    slots = 0
    for word in words:
        lower = word.lower()
        prepared = model.prepare(lower)
        aligned = len(prepared) == len(lower)  # else langdetect dropped letters: use what is left
        padded = f" {prepared} "
        for i, char in enumerate(lower if aligned else prepared):
            if char.isascii():
                continue
            slots += 3
            if unicodedata.category(char)[0] in "PZ":  # common around words, odd inside them
                inside = 0 < i < len(lower) - 1 and lower[i - 1].isalpha() and lower[i + 1].isalpha()
                fixed += 3 * (floor if inside and aligned else PUNCTUATION_LOGPROB)
                continue
            if padded[i + 1] == " ":
                fixed += 3 * floor
                continue
            for gram in (padded[i + 1], padded[i:i + 2], padded[i + 1:i + 3]):
                index = vocabulary.get(gram)
                if index is None:
                    fixed += floor
                else:
                    ids.append(index)
    if not slots:
        return floor, 0
    total = float(model.logprob[ids, column].sum(dtype="float64")) + fixed
    return total / slots, slots


def separation(best: Plausibility, other: Plausibility, prior: float = 0.0) -> float:
    """How much more likely ``best`` is than ``other``: the difference of their mean
    log-probabilities over the larger number of n-grams (plus the difference of
    their codecs' log prior), per word in which they differ."""
    differing = sum((Counter(best.words) - Counter(other.words)).values())
    slots = max(best.count, other.count)
    gain = (best.rank_score - other.rank_score) * slots + prior
    if gain < MIN_GAIN:
        return min(gain, 0.0)  # too little evidence in all, however few words differ
    return gain / max(differing, 1)


def _prior(names: list[str]) -> float:
    """Log prior of the most common of ``names``: 0 for :data:`COMMON_CODECS`, less for
    code pages rarely met in web pages, feeds and news archives (most DOS ones, ...)."""
    return 0.0 if any(name in COMMON_CODECS for name in names) else RARE_CODEC_LOGPRIOR
