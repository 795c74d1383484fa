"""``fix_encoding``: repair mojibake with ftfy, leaving clean text byte-identical.

Three layers, each exact about what it may change:

1. **ftfy, conservative** (:data:`FTFY_CONFIG`): whole-text repair of UTF-8 read
   as cp1252 / latin-1 (once or twice), C1 controls, surrogates, control chars.
2. **Segment-wise repair** (:func:`repair_segments`) for what ftfy leaves: a
   mojibake sentence inside clean text (``elsÅ‘`` → ``első``) and UTF-8 read as
   Windows Cyrillic or Mac Roman. A run of text is re-encoded in the suspected
   single-byte encoding and decoded as strict UTF-8; the result is kept only
   when every repaired character is a plausible letter or punctuation mark of a
   living script (never IPA, box drawing, controls), **and** the segment shows
   evidence of mojibake at least as strong as ftfy's own badness test (ftfy's
   badness plus the in-word oddities below, in a window around the segment)
   that the repair at least halves. A capital accented letter before a quote
   or dash (``MARQUÉ…``) decodes as UTF-8 but shows no evidence, so it stays.
   Mixed runs are repaired word by word for cp1252/latin-1 only. A repair
   never leaves garble in a word it touches, never brings a foreign script or
   a symbol into a word, and never stops half-way through layers of mojibake;
   a single possible sequence in a whole field needs ftfy's own test for
   embedded mojibake or a clash of scripts (:func:`_less_bad`). Checked
   against ftfy's own test cases by ``benchmarks/eval_ftfy_cases.py``.
3. **An exact pre-check** (:func:`needs_repair`) that proves a text is a fixed
   point of layers 1+2 without running them: it evaluates exactly the conditions
   under which every ftfy fixer and the segment repair would do nothing. Clean
   English news (ASCII plus curly quotes and dashes) passes it in microseconds.
   ``fix_text`` and ``full_fix`` give identical output on every input; the test
   suite proves it on a large varied corpus.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import ftfy
from ftfy import chardata
from ftfy.badness import BADNESS_RE, is_bad

from corpuskit.records import edit_between
from corpuskit.steps.base import FieldStep

#: ftfy with every fixer that could rewrite clean text switched off: quotes stay
#: curly, full-width and ligature characters stay, no Unicode normalisation and
#: no HTML unescaping (``&amp;`` in a news story is text, not markup).
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=True,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=True,
    normalization=None,
    explain=True,
)

# --- the exact pre-check ---------------------------------------------------------
# Characters that make some ftfy fixer other than fix_encoding act: ESC (terminal
# escapes), C1 controls, surrogates, and ftfy's own table of control characters.
_TRIGGER_CHARS = {"\x1b"} | {chr(c) for c in range(0x80, 0xA0)} | {
    chr(c) for c in chardata.CONTROL_CHARS
}
_TRIGGER_RE = re.compile(
    "[" + "".join(re.escape(c) for c in sorted(_TRIGGER_CHARS)) + "\ud800-\udfff]"
)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Every alternative of ftfy's BADNESS_RE consumes at least one non-ASCII
# character and at most 7 characters, and it has no lookaround or ``$``, so a
# match always lies within 7 characters of a non-ASCII run (``^`` keeps its
# meaning under ``search(text, pos)``). Searching only those windows is exact.
_BADNESS_REACH = 7
#: Non-ASCII characters of clean English text: curly quotes, dashes, the ellipsis, the
#: no-break space. Every alternative of BADNESS_RE also needs a character that is neither
#: one of these nor ASCII (:func:`_needs_rare`), so only the runs of such characters need
#: a window: clean news with no other non-ASCII character needs none.
_COMMON_MARKS = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0"


def _needs_rare(pattern: re.Pattern, common: str) -> bool:
    """True when every alternative of ``pattern`` has a position that only a character
    outside ASCII and ``common`` can fill (read from its parsed form; False when that
    cannot be shown, e.g. a pattern of another shape, or no parser).

    >>> _needs_rare(re.compile("[\u00e9\u00e8][\u2019x]|\u00c3."), "\u2019"), _needs_rare(re.compile("a\u2019|\u00e9"), "\u2019")
    (True, False)
    """
    try:
        from re import _parser as parser  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse as parser
    constants = parser  # the opcodes are re-exported by the parser module
    if pattern.flags & re.IGNORECASE:
        return False

    def only_rare(op, av) -> bool:
        """The item matches one character, never an ASCII or a common one."""
        if op is constants.LITERAL:
            return av >= 0x80 and chr(av) not in common
        if op is not constants.IN:
            return False
        for kind, value in av:
            if kind is constants.LITERAL:
                if value < 0x80 or chr(value) in common:
                    return False
            elif kind is constants.RANGE:
                lo, hi = value
                if lo < 0x80 or any(lo <= ord(c) <= hi for c in common):
                    return False
            else:  # NEGATE, CATEGORY: anything may match
                return False
        return True

    try:
        parsed = parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unknown form: no claim
        return False
    items = parsed.data
    alternatives = items[0][1][1] if len(items) == 1 and items[0][0] is constants.BRANCH else [parsed]
    return all(any(only_rare(op, av) for op, av in alternative.data) for alternative in alternatives)


#: Whether every match of BADNESS_RE needs a rare character (the installed ftfy's is checked
#: at import), and the runs :func:`_is_bad` searches around: of rare characters if so, else
#: of every non-ASCII character.
_RARE_NEEDED = _needs_rare(BADNESS_RE, _COMMON_MARKS)
_RARE_RUN = re.compile(r"[^\x00-\x7f" + (_COMMON_MARKS if _RARE_NEEDED else "") + "]+")

#: Single-byte encodings whose misreading of UTF-8 the segment repair undoes, in
#: order of preference. Words inside clean text are repaired for the first two.
SEGMENT_ENCODINGS = ("sloppy-windows-1252", "latin-1", "sloppy-windows-1251", "macroman")
WORD_ENCODINGS = ("sloppy-windows-1252", "latin-1")
#: Rounds of ftfy + segment repair (mojibake applied up to this many times).
_MAX_ROUNDS = 4


def _charmap(encoding: str) -> str:
    return bytes(range(256)).decode(encoding)


@lru_cache(maxsize=None)
def _encoding_tables(encoding: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Regexes over the characters of ``encoding``: encodable runs, a UTF-8
    lead+continuation pair, and one complete UTF-8 multi-byte sequence."""
    chars = _charmap(encoding)
    cls = lambda lo, hi: "[" + "".join(re.escape(chars[b]) for b in range(lo, hi)) + "]"  # noqa: E731
    run = re.compile("[" + "".join(re.escape(c) for c in chars) + "]+")
    cont = cls(0x80, 0xC0)
    pair = re.compile(cls(0xC2, 0xF5) + cont)
    sequence = re.compile(
        f"{cls(0xF0, 0xF5)}{cont}{{3}}|{cls(0xE0, 0xF0)}{cont}{{2}}|{cls(0xC2, 0xE0)}{cont}"
    )
    return run, pair, sequence


def _pair_class() -> re.Pattern:
    leads: set[str] = set()
    conts: set[str] = set()
    for encoding in SEGMENT_ENCODINGS:
        chars = _charmap(encoding)
        leads.update(chars[b] for b in range(0xC2, 0xF5))
        conts.update(chars[b] for b in range(0x80, 0xC0))
    esc = lambda cs: "".join(re.escape(c) for c in sorted(cs))  # noqa: E731
    return re.compile(f"[{esc(leads)}][{esc(conts)}]")


# A UTF-8 lead byte followed by a continuation byte, as characters of any of the
# segment encodings: without one, no segment repair can change anything.
_ANY_PAIR_RE = _pair_class()


def _is_bad(text: str, at: int = 0) -> bool:
    """``ftfy.badness.is_bad(text)``, evaluated only near runs of rare characters (exact);
    ``at``: where to look for them when ``text[:at]`` has none."""
    return _bad_near(text, (match.span() for match in _RARE_RUN.finditer(text, at)))


def _bad_near(text: str, runs) -> bool:
    """Whether BADNESS_RE matches within reach of one of ``runs`` (``(start, end)`` spans in
    order), the text's runs of rare characters: ``ftfy.badness.is_bad(text)``."""
    n = len(text)
    lo = hi = -1
    for run_start, run_end in runs:
        start = max(0, run_start - _BADNESS_REACH)
        end = min(n, run_end + _BADNESS_REACH)
        if start <= hi:
            hi = end
            continue
        if hi >= 0 and BADNESS_RE.search(text, lo, hi):
            return True
        lo, hi = start, end
    return hi >= 0 and BADNESS_RE.search(text, lo, hi) is not None


def _first_sign_pattern() -> re.Pattern | None:
    """One pattern for the first place where :func:`needs_repair` must look closer: a trigger
    character, a rare character (not ASCII, not one of :data:`_COMMON_MARKS`), or two common
    marks that make a UTF-8 lead+continuation pair of :data:`_ANY_PAIR_RE` (all 64 do). None
    when the installed ftfy's badness pattern can match without a rare character.

    A text without such a place is ASCII and common marks only: no trigger character, no
    pair (every lead and continuation character is outside ASCII: checked here), and nothing
    the badness pattern can match. The pattern starts with one character class, so the
    regex engine skips to candidates without trying a match at every place."""
    if not _RARE_NEEDED or any(c in _TRIGGER_CHARS for c in _COMMON_MARKS) or _ANY_PAIR_RE.search(
            "".join(map(chr, range(0x80)))):
        return None
    safe = "".join(re.escape(chr(c)) for c in range(0x80) if chr(c) not in _TRIGGER_CHARS)
    marks = re.escape(_COMMON_MARKS)
    pairs = "".join(f"|(?<={re.escape(a)})[{re.escape(after)}]" for a in _COMMON_MARKS
                    if (after := "".join(b for b in _COMMON_MARKS if _ANY_PAIR_RE.fullmatch(a + b))))
    return re.compile(f"[^{safe}](?:(?<![{marks}]){pairs})")


#: See :func:`_first_sign_pattern`.
_FIRST_SIGN = _first_sign_pattern()


#: Rare characters :func:`needs_repair` looks at one by one before it scans the rest of the
#: text with one pattern per test (a text in another script has rare characters throughout).
_FEW_SIGNS = 24


def needs_repair(text: str) -> bool:
    """False only when ``text`` is provably a fixed point of :func:`full_fix`.

    It tests exactly the conditions under which every enabled ftfy fixer is a
    no-op (no trigger character; ASCII or not ``is_bad``) and the segment repair
    has nothing to try (no UTF-8 lead+continuation pair in any segment encoding).
    One scan finds the places that need a closer look (:data:`_FIRST_SIGN`): clean English
    news has none, and a few rare characters (accented names) are looked at one by one.

    >>> needs_repair("“Clean” text – it’s fine, café"), needs_repair("cafÃ©")
    (False, True)
    """
    if _FIRST_SIGN is None:
        return _needs_repair_from(text, 0)
    runs: list[list[int]] = []  # the runs of rare characters, as [start, end]
    for count, sign in enumerate(_FIRST_SIGN.finditer(text)):
        start, end = sign.span()
        if end - start == 2 or _TRIGGER_RE.match(text, start):
            return True  # two common marks making a lead+continuation pair, or a trigger
        if count == _FEW_SIGNS:
            return _needs_repair_from(text, runs[0][0] if runs else start)
        if runs and runs[-1][1] == start:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    # every lead+continuation pair holds a rare character (two common marks are a sign)
    return any(_ANY_PAIR_RE.search(text, max(0, start - 1), end + 1) for start, end in runs) or _bad_near(
        text, runs)


def _needs_repair_from(text: str, at: int) -> bool:
    """:func:`needs_repair`'s three tests, when ``text[:at]`` is ASCII and common marks with
    no trigger character and no two marks making a pair."""
    if _TRIGGER_RE.search(text, at):
        return True
    if text.isascii():
        return False
    return _ANY_PAIR_RE.search(text, max(0, at - 1)) is not None or _is_bad(text, at)


# --- segment-wise repair ------------------------------------------------------------
# Unicode blocks a repaired character may come from. Mojibake decodes to the
# letters of living scripts and common punctuation; an accidental UTF-8 decode
# of clean text (``CAFÉ”`` → ``CAFɔ``) lands in IPA, spacing modifiers,
# combining marks or other rarely typed blocks, so those are refused.
_PLAUSIBLE_BLOCKS = (
    (0x00A0, 0x024F),  # Latin-1 punctuation and letters, Latin Extended-A/B
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x0530, 0x058F),  # Armenian
    (0x0590, 0x06FF),  # Hebrew, Arabic
    (0x0900, 0x0DFF),  # Indic scripts
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x10A0, 0x10FF),  # Georgian
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x205E),  # per mille, primes, guillemets
    (0x20A0, 0x20C0),  # currency signs
    (0x2100, 0x214F),  # letterlike (™, №)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics
    (0x25A0, 0x27BF),  # shapes, symbols, dingbats
    (0x3000, 0x9FFF),  # CJK punctuation, kana, ideographs
    (0xAC00, 0xD7AF),  # Hangul
    (0xFF01, 0xFFEF),  # full-width forms
    (0x1F300, 0x1FAFF),  # emoji
)


def _plausible(char: str) -> bool:
    code = ord(char)
    if code < 0x80:
        return True
    if not any(lo <= code <= hi for lo, hi in _PLAUSIBLE_BLOCKS):
        return False
    return unicodedata.category(char)[0] in "LNPS" or char == "\u00a0"


def _decode_run(run: str, encoding: str) -> str | None:
    """``run`` re-encoded in ``encoding`` and decoded as UTF-8, if that is plausible."""
    try:
        fixed = run.encode(encoding).decode("utf-8")
    except UnicodeError:
        return None
    if fixed == run or not all(_plausible(c) for c in fixed if not c.isascii()):
        return None
    return fixed


def _decode_layers(run: str, encoding: str) -> str | None:
    """:func:`_decode_run`, repeated while the result decodes again (mojibake of
    mojibake, ``‚Äö√Ñ√Æ`` → ``‚Äî`` → ``—``), see :func:`_deeper`."""
    fixed = _decode_run(run, encoding)
    return None if fixed is None else _deeper(fixed, encoding)


def _deeper(fixed: str, encoding: str) -> str | None:
    """``fixed`` (one layer decoded) with its further layers decoded; None when a
    further layer is strict UTF-8 but decodes into implausible characters: the
    repair would stop at a layer that is neither the text nor its repair."""
    for _ in range(_MAX_ROUNDS - 1):
        try:
            deeper = fixed.encode(encoding).decode("utf-8")
        except UnicodeError:
            return fixed
        if deeper == fixed:
            return fixed
        if not all(_plausible(c) for c in deeper if not c.isascii()):
            return None
        fixed = deeper
    return fixed


_LETTER_SYMBOL_LETTER = re.compile("LS+L")


def _symbol_inside_word(word: str) -> bool:
    """Whether a non-ASCII symbol (``؎``, not punctuation such as ``’``) stands
    between two letters of ``word``: what a chance decode puts into a clean
    word, never what mojibake of a word decodes to."""
    kinds = "".join("L" if c.isalpha() else "S" if not c.isascii() and unicodedata.category(c)[0] == "S" else ""
                    for c in word if unicodedata.category(c)[0] != "M")
    return _LETTER_SYMBOL_LETTER.search(kinds) is not None


def _multibyte(text: str) -> int:
    return sum(1 for c in text if not c.isascii())


_WORD_RE = re.compile(r"[^ \t\n\r]+")


# ftfy's badness regex knows the mojibake of cp1252 and latin-1 best, and
# misses some of what the segment repair is for: Hungarian read as cp1251
# (``HirdetГ©s``), Turkish read as cp1252 inside clean text (``baÅŸta``,
# ``ÄŒesi``), Korean (``ì§“ê³``), a ``В`` that ftfy left as ``Ð’`` among
# Cyrillic words. These show the same kind of local evidence its patterns look
# for. The oddities counted besides ftfy's badness:
#
# * inside a word: a lowercase letter followed by a capital, or two capitals
#   followed by a lowercase letter (not all ASCII: ``iPhone``, ``IDs`` are
#   fine); a run of non-letters between two letters holding a mojibake
#   character (the upper half of a segment encoding) other than an apostrophe,
#   hyphen or dash; adjacent letters of two scripts (East Asian ones as one);
# * across a space: facing letters of two scripts, one a mojibake character.
#
# Clean text written with ordinary case and punctuation has none of them. The
# repaired text is measured the same way and must have at most half as much
# evidence, so a repair that puts a Hebrew letter after a Latin one (``Ğף``)
# or a Hangul syllable into a Latin word (``Bront녔``) is refused.
_MOJIBAKE_CHARS = frozenset("".join(_charmap(e)[0x80:] for e in SEGMENT_ENCODINGS))
#: Characters that join two halves of a clean word: apostrophes, hyphens, dashes,
#: the middle dot (Catalan ``l·l``) and the soft hyphen.
_IN_WORD_JOINERS = frozenset("\u2019\u2018\u02bc\u2010\u2011\u2013\u2014\u00b7\u00ad")
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO"})
#: Names of letters that belong to no script of their own (``ª``, ``µ``).
_NO_SCRIPT = frozenset({"MODIFIER", "FEMININE", "MASCULINE", "MICRO", "LETTERLIKE"})


@lru_cache(maxsize=4096)
def _script(char: str) -> str | None:
    """The script of a letter, from its Unicode name (East Asian scripts as one)."""
    word = unicodedata.name(char, "").split(" ", 1)[0]
    if not word or word in _NO_SCRIPT:
        return None
    return "CJK" if word in _EAST_ASIAN else word


def _odd_pair(left: str, right: str) -> bool:
    """Two adjacent letters of one word that clean text does not put together."""
    if left.islower() and right.isupper() and not (left + right).isascii():
        return True
    a, b = _script(left), _script(right)
    return a is not None and b is not None and a != b


def _odd_capitals(first: str | None, second: str, third: str) -> bool:
    """Two capitals and a lowercase letter (``ÄŒesi``), not all ASCII (``IDs``)."""
    return (first is not None and first.isupper() and second.isupper() and third.islower()
            and not (first + second).isascii())


def _odd_neighbours(left: str, right: str) -> bool:
    """The last letter of a word and the first of the next: of different
    scripts, one of them a mojibake character."""
    if left not in _MOJIBAKE_CHARS and right not in _MOJIBAKE_CHARS:
        return False
    a, b = _script(left), _script(right)
    return a is not None and b is not None and a != b


def _word_oddities(word: str) -> int:
    """Oddities inside one word: odd letter pairs, and runs of non-letters
    between two letters that hold a mojibake character other than a joiner.
    Digits break a word; marks belong to their letter."""
    odd = 0
    previous = None  # the last letter, unless a digit came after it
    before = None  # the letter right before ``previous``
    gap: list[str] = []
    for char in word:
        kind = unicodedata.category(char)[0]
        if kind == "M":
            continue
        if kind == "L":
            if previous is not None:
                if gap:
                    odd += any(c in _MOJIBAKE_CHARS and c not in _IN_WORD_JOINERS for c in gap)
                else:
                    odd += _odd_pair(previous, char) or _odd_capitals(before, previous, char)
            before = previous if not gap else None
            previous, gap = char, []
        elif kind == "N" and char not in _MOJIBAKE_CHARS:
            previous = before = None
            gap = []
        else:
            gap.append(char)
    return odd


def _badness(text: str, lo: int, hi: int) -> int:
    """Evidence of mojibake in ``text[lo:hi]``: ftfy's ``badness`` read in place
    (``^`` matches only at the real start of ``text``) plus the oddities above."""
    odd = 0
    last = None  # the last letter of the previous word
    for word in text[lo:hi].split():
        odd += _word_oddities(word)
        letters = [c for c in word if c.isalpha()]
        if letters:
            odd += last is not None and _odd_neighbours(last, letters[0])
            last = letters[-1]
    return odd + len(BADNESS_RE.findall(text, lo, hi))


def _script_clashes(text: str, lo: int, hi: int) -> int:
    """The script oddities of :func:`_badness` alone: letters of two scripts side
    by side in a word, or facing across a space with one a mojibake character."""
    clashes = 0
    last = None
    for word in text[lo:hi].split():
        letters = [c for c in word if c.isalpha()]
        scripts = [_script(c) for c in letters]
        clashes += sum(a is not None and b is not None and a != b for a, b in zip(scripts, scripts[1:]))
        if letters:
            clashes += last is not None and _odd_neighbours(last, letters[0])
            last = letters[-1]
    return clashes


def _less_bad(text: str, start: int, end: int, fixed: str, lone: bool = False) -> bool:
    """Whether ``text[start:end]`` shows evidence of mojibake (:func:`_badness`)
    and the text with ``fixed`` in its place is at most half as bad.

    Evidence is counted in a window of :data:`_BADNESS_REACH` characters around
    the segment (every BADNESS_RE match is at most that long), so a segment is
    judged in its context, as ftfy judges a whole text. This is the evidence
    ftfy itself demands before it rewrites a text, and never less.

    ``lone``: the segment holds the only possible UTF-8 sequence of the whole
    input and is embedded in text that does not decode as a whole. One
    character is the weakest evidence there is: then ftfy's own test for
    embedded mojibake must agree (its ``decode_inconsistent_utf8`` rewrites a
    segment only when the segment's non-ASCII characters are ``is_bad`` on their
    own), or the repair must end a clash of scripts (``Ð’ Москве`` → ``В
    Москве``). Case and punctuation oddities in the context are not enough
    (``Bremer/Mccoy – DrÃ¥ber`` stays, as ftfy leaves it).
    """
    lo = max(0, start - _BADNESS_REACH)
    hi = min(len(text), end + _BADNESS_REACH)
    before = _badness(text, lo, hi)
    if not before:
        return False
    keep = 1 if lo else 0  # one character more, so that ``^`` cannot match mid-text
    window = text[lo - keep:start] + fixed + text[end:hi]
    after = _badness(window, keep, len(window))
    if not (after < before and 2 * after <= before):
        return False
    if lone and not any(is_bad(run) for run in _NON_ASCII_RUN.findall(text, start, end)):
        return _script_clashes(window, keep, len(window)) < _script_clashes(text, lo, hi)
    return True


#: Punctuation of the segment encodings' upper halves that clean words carry.
_WORD_PUNCTUATION = _IN_WORD_JOINERS | frozenset("“”„«»‹›…¿¡°€£\u00a0")
#: The other symbols and punctuation of those upper halves (``√ † ∂ ÷ © ‚ ¥``):
#: left unrepaired inside a word that a repair touches, they show that the word
#: is mojibake of another code page and the repair decoded a chance pair in it.
_GARBLE_SYMBOLS = frozenset(
    c for c in _MOJIBAKE_CHARS if unicodedata.category(c)[0] in "PS" and c not in _WORD_PUNCTUATION
)
_SPACE_RE = re.compile(r"[ \t\n\r]")
_LAST_SPACE_RE = re.compile(r".*[ \t\n\r]", re.DOTALL)


def _decode_sequences(token: str, encoding: str, sequence: re.Pattern) -> tuple[str, str]:
    """``token`` with every complete UTF-8 sequence that decodes plausibly
    decoded, and what is left of ``token`` outside those sequences."""
    fixed, leftover, at = [], [], 0
    for match in sequence.finditer(token):
        decoded = _decode_run(match.group(), encoding)
        if decoded is not None:
            fixed.append(token[at:match.start()] + decoded)
            leftover.append(token[at:match.start()])
            at = match.end()
    return "".join(fixed) + token[at:], "".join(leftover) + token[at:]


#: A middle dot with a non-ASCII neighbour: Mac Roman's reading of the lead byte
#: 0xE1 (``·Æê``), unlike the Catalan ``l·l`` between ASCII letters.
_GARBLE_DOT = re.compile(r"[^\x00-\x7f]\u00b7|\u00b7[^\x00-\x7f]")


def _garbled(leftover: str) -> bool:
    """Whether what a repair leaves of a word still shows mojibake."""
    return not _GARBLE_SYMBOLS.isdisjoint(leftover) or _GARBLE_DOT.search(leftover) is not None


def _word_edges(text: str, start: int, end: int) -> tuple[str, str]:
    """The parts of the words around ``text[start:end]`` that lie outside it."""
    opening = _LAST_SPACE_RE.match(text, 0, start)
    closing = _SPACE_RE.search(text, end)
    return text[opening.end() if opening else 0:start], text[end:closing.start() if closing else len(text)]


@lru_cache(maxsize=1)
def _script_names() -> frozenset[str]:
    """The scripts of :func:`_script`, as the first word of a character name."""
    return frozenset(_script(chr(c)) for c in range(0x80, 0x3100) if chr(c).isalpha()) - {None}


def _scripts(text: str) -> set[str]:
    """The scripts of the letters of ``text`` and of its script-specific signs
    (``،`` ARABIC COMMA counts as Arabic; ``’`` or ``€`` as none)."""
    found = set()
    for char in text:
        if char.isalpha():
            found.add(_script(char))
        elif not char.isascii():
            word = unicodedata.name(char, "").split(" ", 1)[0]
            if word in _script_names():
                found.add(word)
    return found - {None}


def _foreign_repair(rest: str, repaired: str) -> bool:
    """Whether a repair brings letters or signs of a script into a word whose
    unrepaired letters (``rest``) are all of other scripts: a chance decode
    inside clean text (``ŘØŒŲ`` → ``Ř،Ų``, ``Ɣ·Î“`` → ``Ɣ·Γ``), or a CJK
    sequence picked out of Mac Roman Cyrillic (``–æ–±`` → ``–斱``)."""
    known = _scripts(rest)
    return bool(known) and not _scripts(repaired) <= known


def _bad_edges(text: str, start: int, end: int, fixed: str, encoding: str, sequence: re.Pattern) -> bool:
    """Whether a repair of ``text[start:end]`` into ``fixed`` harms the words it
    cuts at either end: it leaves garble in them (a latin-1 run ``Ä¢`` that
    starts after the ``‚`` of Mac Roman ``‚Ä¢``; edges are judged as they would
    be repaired themselves), or brings a foreign script into them."""
    repaired = text[start:end]
    first, last = _SPACE_RE.search(repaired), _LAST_SPACE_RE.match(repaired)
    head = repaired[:first.start()] if first else repaired
    tail = repaired[last.end():] if last else repaired
    before, after = _word_edges(text, start, end)
    before = before if _sequence_span(head, encoding, sequence) else ""
    after = after if _sequence_span(tail, encoding, sequence) else ""
    if _garbled(_decode_sequences(before + after, encoding, sequence)[1]):
        return True
    fixed_head = fixed[:_SPACE_RE.search(fixed).start()] if first else fixed
    fixed_tail = fixed[_LAST_SPACE_RE.match(fixed).end():] if last else fixed
    return (_foreign_repair(before + _decode_sequences(head, encoding, sequence)[1], before + fixed_head)
            or _foreign_repair(_decode_sequences(tail, encoding, sequence)[1] + after, fixed_tail + after))


def _sequence_span(word: str, encoding: str, sequence: re.Pattern) -> bool:
    """Whether a repair changes something in ``word``."""
    return any(_decode_run(m.group(), encoding) is not None for m in sequence.finditer(word))


def _sequences_come_out_clean(fixed: str, leftover: str) -> bool:
    """Whether a word repaired sequence by sequence (into ``fixed``, all layers
    decoded) is clean: what the repair left of it (``leftover``) holds no garble
    symbol, and ``fixed`` shows no evidence of mojibake (:func:`_badness`)."""
    return not _garbled(leftover) and not _badness(fixed, 0, len(fixed))


def _repair_words(text: str, start: int, end: int, encoding: str, pair: re.Pattern,
                  sequence: re.Pattern, lone: bool) -> str:
    """Repair ``text[start:end]`` word by word; inside a word that does not
    decode as a whole (ftfy already fixed part of it), each complete UTF-8
    sequence that decodes plausibly is repaired. Each word's repair is judged
    as one (:func:`_less_bad`): its evidence is the whole word's.

    A word repaired sequence by sequence must come out clean
    (:func:`_sequences_come_out_clean`): a sequence decoded inside a word that
    stays garbled is a chance pair in mojibake of another code page
    (``oÔÄ•j√†``, Mac Roman, whose ``Ä•`` reads as cp1252 UTF-8 for ``ĕ``),
    and decoding it only trades one garble for another."""

    def word(match: re.Match) -> str:
        token = match.group()
        if not pair.search(token):
            return token
        partly, leftover = _decode_sequences(token, encoding, sequence)
        fixed = _decode_layers(token, encoding)
        if fixed is None:
            fixed = _deeper(partly, encoding)
            if fixed is None or fixed == token or not _sequences_come_out_clean(fixed, leftover):
                return token
        at = start + match.start()
        before, after = _word_edges(text, at, at + len(token))
        if (fixed == token or _symbol_inside_word(before + fixed + after)
                or _foreign_repair(before + leftover + after, before + fixed + after)
                or _bad_edges(text, at, at + len(token), fixed, encoding, sequence)
                or not _less_bad(text, at, at + len(token), fixed, lone)):
            return token
        return fixed

    return _WORD_RE.sub(word, text[start:end])


def _whole_run_evidence(text: str, start: int, end: int, fixed: str, encoding: str, lone: bool) -> bool:
    """Whether a run that decodes completely may be replaced by ``fixed``."""
    if encoding not in WORD_ENCODINGS and _multibyte(fixed) < 2:
        return False  # one stray pair in another code page is no evidence
    # a run that is the whole text is ftfy's own case (whole-text evidence)
    return _less_bad(text, start, end, fixed, lone and (start, end) != (0, len(text)))


def _lone_sequence(text: str) -> bool:
    """Whether ``text`` holds at most one UTF-8 lead+continuation pair in every
    segment encoding: one character's worth of possible mojibake."""
    return all(len(_encoding_tables(e)[1].findall(text)) < 2 for e in SEGMENT_ENCODINGS)


def repair_segments(text: str, lone: bool | None = None) -> str:
    """Undo mojibake that ftfy leaves in place; see the module docstring.

    ``lone``: whether the text this repair belongs to (before ftfy and earlier
    rounds repaired part of it) held a single possible sequence
    (:func:`_lone_sequence`, computed on ``text`` when not given); such a
    sequence needs more evidence (:func:`_less_bad`).

    >>> repair_segments("Az első és a második: elsÅ‘ és mÃ¡sodik.")
    'Az első és a második: első és második.'
    >>> repair_segments("HirdetГ©s szГ¶vege")
    'Hirdetés szövege'
    >>> repair_segments("“CAFÉ” is clean, MARQUÉ… too")
    '“CAFÉ” is clean, MARQUÉ… too'
    """
    if not _ANY_PAIR_RE.search(text):
        return text
    if lone is None:
        lone = _lone_sequence(text)
    # whole runs first, in every encoding: a run that decodes completely is the
    # strongest evidence; only then word-level repair of mixed runs
    for words in (False, True):
        for encoding in WORD_ENCODINGS if words else SEGMENT_ENCODINGS:
            run_re, pair, sequence = _encoding_tables(encoding)
            if not pair.search(text):
                continue
            current = text

            def segment(match: re.Match) -> str:
                run = match.group()
                if not pair.search(run):
                    return run
                if words:
                    return _repair_words(current, match.start(), match.end(), encoding, pair, sequence, lone)
                fixed = _decode_layers(run, encoding)
                if (fixed is None or _bad_edges(current, match.start(), match.end(), fixed, encoding, sequence)
                        or not _whole_run_evidence(current, match.start(), match.end(), fixed, encoding, lone)):
                    return run
                return fixed

            text = run_re.sub(segment, text)
    return text


# --- the fixer ------------------------------------------------------------------------


def full_fix(text: str) -> tuple[str, list[str]]:
    """ftfy (conservative) then segment repair, until nothing changes; no pre-check."""
    return _rounds(text, settled=lambda _: False)


def _rounds(text: str, settled) -> tuple[str, list[str]]:
    """Rounds of ftfy and segment repair until one changes nothing, or ``settled(text)`` says
    that the next would not (:func:`needs_repair`'s proof spares the last round's ftfy)."""
    plan: list[str] = []
    lone = _lone_sequence(text)
    for round_ in range(_MAX_ROUNDS):
        if round_ and settled(text):
            break
        before = text
        fixed, explanation = ftfy.fix_and_explain(text, config=FTFY_CONFIG)
        if fixed != text:
            plan.extend(f"{step}:{arg}" for step, arg in (explanation or []))
            text = fixed
        repaired = repair_segments(text, lone)
        if repaired != text:
            plan.append("repair_segments")
            text = repaired
        if text == before:
            break
    return text, plan


def fix_text(text: str) -> tuple[str, list[str]]:
    """Repair mojibake in ``text``; return the text and the repair steps applied.

    Output is identical to :func:`full_fix`; clean text returns at once.

    >>> fix_text("Turkey\u00e2\u20ac\u2122s drones")[0]
    'Turkey’s drones'
    >>> fix_text("“Clean” text – stays")
    ('“Clean” text – stays', [])
    """
    if not needs_repair(text):
        return text, []
    fixed, plan = _rounds(text, settled=lambda repaired: not needs_repair(repaired))
    if fixed == text:
        return text, []
    return fixed, plan


class FixEncoding(FieldStep):
    """Repair mojibake (UTF-8 read as cp1252/latin-1, once or twice) in every text field.

    >>> from corpuskit.records import new_record
    >>> r = FixEncoding().apply(new_record(text="Itâ€™s fixed", source={}))
    >>> r["text"], r["edits"][0]["step"]
    ('It’s fixed', 'fix_encoding')
    """

    name = "fix_encoding"

    @dataclass(frozen=True)
    class Params:
        fields: tuple[str, ...] = ("title", "outlet", "author", "text")

    @classmethod
    def coerce(cls, table, context):
        table = dict(table)
        if "fields" in table:
            table["fields"] = tuple(table["fields"])
        return table

    def edit_field(self, name: str, value: str) -> tuple[str, list[dict]]:
        fixed, plan = fix_text(value)
        if fixed == value:
            return value, []
        return fixed, [edit_between(self.name, name, "repair", value, fixed, "; ".join(plan))]
