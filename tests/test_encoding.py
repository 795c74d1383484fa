"""fix_encoding: golden cases, the exact pre-check, idempotence, clean text unchanged."""

from __future__ import annotations

import json
import random
from pathlib import Path

import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit.records import new_record
from corpuskit.steps.encoding import FixEncoding, fix_text, full_fix, needs_repair

GOLDEN = json.loads((Path(__file__).parent / "golden" / "fix_encoding.json").read_text("utf-8"))
LANGUAGES = json.loads((Path(__file__).parent / "golden" / "languages.json").read_text("utf-8"))

# clean words in many scripts (from the multilingual set) plus typographic punctuation
WORDS = sorted({w for case in LANGUAGES["cases"] for w in case["text"].split()})
OPENING = ["“", "‘", "«", "„", "(", "'", '"']
CLOSING = ["”", "’", "»", "…", ")", ",", ".", "!", "?", ":", ";", "'", '"']
STANDALONE = ["–", "—", "•", "€", "£", "°", "©", "\u00a0", "-", "/", "%", "&", "12", "1987"]
PUNCT = OPENING + CLOSING + STANDALONE
MOJIBAKE = [("sloppy-windows-1252", "utf-8"), ("latin-1", "utf-8"), ("sloppy-windows-1251", "utf-8"),
            ("macroman", "utf-8")]


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["label"] for c in GOLDEN["cases"]])
def test_golden(case):
    assert fix_text(case["input"])[0] == case["expected"]


def _clean_text(rng: random.Random, n_words: int) -> str:
    out = []
    for _ in range(n_words):
        word = rng.choice(WORDS)
        roll = rng.random()
        if roll < 0.15:
            word = rng.choice(OPENING) + word
        elif roll < 0.3:
            word = word + rng.choice(CLOSING)
        elif roll < 0.4:
            word = rng.choice(STANDALONE)
        elif roll < 0.45:
            word = word.upper()
        out.append(word)
    return " ".join(out)


def _mojibake(rng: random.Random, text: str) -> str:
    encoding, _ = rng.choice(MOJIBAKE)
    try:
        broken = text.encode("utf-8").decode(encoding)
    except UnicodeDecodeError:
        return text
    if rng.random() < 0.3:  # partial: only one segment broken
        cut = rng.randrange(len(text) + 1)
        return text[:cut] + text[cut:].encode("utf-8").decode("latin-1")
    return broken


def _corpus(n: int = 3000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        text = _clean_text(rng, rng.randint(1, 60))
        kind = i % 4
        if kind == 1:
            text = _mojibake(rng, text)
        elif kind == 2:  # random code points from everywhere, incl. controls
            text += "".join(chr(rng.choice([rng.randrange(0x20, 0x250), rng.randrange(0x80, 0xA0),
                                            rng.randrange(0x2000, 0x2100), rng.randrange(0, 0x20),
                                            rng.randrange(0x3000, 0xA000)]))
                            for _ in range(rng.randint(1, 20)))
        texts.append(text)
    return texts


def _full_fix_result(text: str) -> tuple[str, list[str]]:
    """What ``fix_text`` must return: ``full_fix``'s text and plan, or none when unchanged."""
    fixed, plan = full_fix(text)
    return (fixed, plan) if fixed != text else (text, [])


def test_precheck_is_exact_on_a_large_varied_corpus():
    """fix_text (with the pre-check) == full_fix (ftfy + segment repair on everything)."""
    skipped = 0
    for text in _corpus():
        if not needs_repair(text):
            skipped += 1
            assert full_fix(text)[0] == text
        assert fix_text(text) == _full_fix_result(text)
    assert skipped > 500  # the pre-check does skip most clean text


def test_badness_is_searched_only_around_rare_characters_and_stays_exact():
    """With the installed ftfy, the pre-check's badness test skips clean English typography
    (curly quotes, dashes): every alternative of ftfy's pattern needs another character.
    And it still answers as ftfy's own ``is_bad`` where those marks meet mojibake."""
    from ftfy.badness import BADNESS_RE, is_bad

    from corpuskit.steps.encoding import _COMMON_MARKS, _RARE_RUN, _is_bad, _needs_rare

    assert _needs_rare(BADNESS_RE, _COMMON_MARKS)
    assert not _RARE_RUN.search("\u201cQuoted\u201d \u2013 it\u2019s\u00a0fine\u2026 \u2018ok\u2019 \u2014")
    rng = random.Random(11)
    pool = list(_COMMON_MARKS) * 3 + [chr(c) for c in range(0xA0, 0x250)] + list("\u20ac\u2122\u201a\u0412\u0402\u03b2") + list("ab Z.\n") * 8
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 25)))
        assert _is_bad(text) == is_bad(text), text


def _needs_repair_by_three_scans(text: str) -> bool:
    """The pre-check as it was before its one-scan start: each condition over the whole text."""
    from corpuskit.steps.encoding import _ANY_PAIR_RE, _TRIGGER_RE, _is_bad

    if _TRIGGER_RE.search(text):
        return True
    if text.isascii():
        return False
    return _ANY_PAIR_RE.search(text) is not None or _is_bad(text)


#: what decides the pre-check's first place: ASCII and its control characters, the common
#: marks, rare characters around them (accented letters, mojibake, C1 controls, ftfy's
#: control characters, surrogates), pieces of mojibake
_SIGN_PIECES = (list("ab Z.,'\n\t\x0c\x1b\x00\x7f") + list("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0") * 2
                + list("\u00e9\u00e1\u00eb\u00c3\u00c2\u00e2\u20ac\u2122\u0131\u0416\u0402\u03b2\u0085\u009d\ufeff\u206a\ud800")
                + ["Ã©", "â€™", "Ã¡", "Ð¸", "\u2019s", "caf\u00e9", "\u00e9\u201d", "\u00e9\u2019s", "\u00c3 ", "a\u00c3 "])


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_SIGN_PIECES), max_size=30))
def test_the_one_scan_start_answers_as_the_three_scans(pieces):
    """``needs_repair`` finds the first place to look at in one scan and runs the three tests
    from there: the answer is the three whole-text scans' on every text."""
    text = "".join(pieces)
    assert needs_repair(text) == _needs_repair_by_three_scans(text)


@pytest.mark.parametrize("few", [0, 1, 3, 24])
def test_the_one_scan_start_answers_as_the_three_scans_on_varied_text(few, monkeypatch):
    """Also when the rare characters looked at one by one run out early (then the rest of the
    text is scanned once per test)."""
    from corpuskit.steps import encoding

    assert encoding._FIRST_SIGN is not None  # the installed ftfy's badness needs a rare character
    monkeypatch.setattr(encoding, "_FEW_SIGNS", few)
    for text in _corpus(1500, seed=few) + [piece * 5 for piece in _SIGN_PIECES]:
        assert needs_repair(text) == _needs_repair_by_three_scans(text), text
    assert not needs_repair("\u201cClean\u201d \u2013 it\u2019s\u00a0fine\u2026 \u2018ok\u2019 \u2014 \u00e9")
    assert needs_repair("\u201cquoted\u2019\u201d")  # two marks that make a lead+continuation pair


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_precheck_is_exact_on_arbitrary_text(text):
    assert needs_repair(text) == _needs_repair_by_three_scans(text)
    if not needs_repair(text):
        assert full_fix(text)[0] == text
    assert fix_text(text) == _full_fix_result(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS + PUNCT), min_size=1, max_size=40))
def test_clean_text_is_unchanged(words):
    text = " ".join(words)
    assert fix_text(text)[0] == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.randoms(use_true_random=False))
def test_idempotent(text, rng):
    once = fix_text(_mojibake(rng, text))[0]
    assert fix_text(once)[0] == once


def test_mojibake_of_clean_text_is_repaired():
    rng = random.Random(3)
    for _ in range(300):
        text = _clean_text(rng, rng.randint(3, 30))
        broken = text.encode("utf-8").decode("sloppy-windows-1252")
        assert fix_text(broken)[0] == text


def _letters_by_script() -> dict[str, str]:
    """Letters of the BMP grouped by script (the first word of their Unicode name)."""
    import unicodedata

    scripts: dict[str, list[str]] = {}
    for code in list(range(0x41, 0x3100)) + list(range(0xAC00, 0xAD00)) + list(range(0x4E00, 0x4F00)):
        char = chr(code)
        if unicodedata.category(char)[0] == "L":
            scripts.setdefault(unicodedata.name(char, "?").split()[0], []).append(char)
    return {name: "".join(chars) for name, chars in sorted(scripts.items()) if len(chars) >= 10}


SCRIPTS = _letters_by_script()
#: Punctuation, symbols and spaces that clean news text puts next to words: the
#: characters the old segment repair misread after an accented capital.
EDGES = list("…”“’‘„«»—–£€×°©®™§¶¿¡!?.,;:()%/") + ["\u00a0", "…”", "×£", "”—", "’s"]


@st.composite
def clean_script_text(draw):
    """Correctly encoded text in one script: words in lower, Title or UPPER case,
    joined by spaces, with punctuation, symbols, digits and NBSP at word edges,
    apostrophes and hyphens inside words, and some ASCII words mixed in."""
    letters = SCRIPTS[draw(st.sampled_from(sorted(SCRIPTS)))]
    word = st.text(alphabet=letters, min_size=1, max_size=10)
    ascii_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC", min_size=1, max_size=8)
    out = []
    for _ in range(draw(st.integers(1, 12))):
        text = draw(st.one_of(word, word, word, ascii_word))
        if draw(st.booleans()):
            text += draw(st.sampled_from(["’", "-", "–", "·"])) + draw(word)
        text = draw(st.sampled_from([str.lower, str.upper, str.title, str]))(text)
        text = draw(st.sampled_from(["", "", "“", "„", "«", "(", "¿"])) + text
        text += draw(st.sampled_from(["", ""] + EDGES))
        if draw(st.integers(0, 5)) == 0:
            text += " " + str(draw(st.integers(0, 10**5))) + draw(st.sampled_from(["", "£", "×", "%", "°"]))
        out.append(text)
    return draw(st.sampled_from([" ", "\u00a0", " — "])).join(out)


@settings(max_examples=500, deadline=None)
@given(clean_script_text())
def test_never_changes_what_plain_ftfy_leaves(text):
    """Clean text in any script: what ftfy.fix_encoding leaves alone, we leave alone.

    (A BOM or other control character, which ftfy's ``remove_control_chars``
    removes, never occurs in this text.)"""
    assert text.encode("utf-8").decode("utf-8") == text
    if ftfy.fix_encoding(text) == text:
        assert fix_text(text)[0] == text


def test_never_worse_than_plain_ftfy_on_clean_text():
    for text in _corpus(800, seed=11)[::4]:  # the clean ones
        assert fix_text(text)[0] == ftfy.fix_encoding(text) == text


def test_step_logs_provenance_and_leaves_clean_records_alone():
    step = FixEncoding()
    clean = new_record(text="“Fine” – as is", title="Title", source={})
    assert step.apply(clean) is clean
    fixed = step.apply(new_record(text="Itâ€™s", title="CafÃ©", source={}))
    assert (fixed["text"], fixed["title"]) == ("It’s", "Café")
    assert [e["field"] for e in fixed["edits"]] == ["title", "text"]
    assert fixed["steps"] == ["fix_encoding"]


@st.composite
def partly_broken_text(draw):
    """(text, clean): clean text in one script with a run of its words read as
    cp1252, latin-1, cp1251 or Mac Roman, once or twice."""
    clean = draw(clean_script_text())
    words = clean.split(" ")
    lo = draw(st.integers(0, len(words) - 1))
    hi = draw(st.integers(lo + 1, len(words)))
    encoding = draw(st.sampled_from([e for e, _ in MOJIBAKE]))
    segment = " ".join(words[lo:hi])
    try:
        for _ in range(draw(st.integers(1, 2))):
            segment = segment.encode("utf-8").decode(encoding)
    except UnicodeDecodeError:
        segment = " ".join(words[lo:hi])
    return " ".join(words[:lo] + [segment] + words[hi:]), clean


@settings(max_examples=500, deadline=None)
@given(partly_broken_text())
def test_where_ftfy_declines_a_repair_is_exact_or_none(case):
    """Mojibake inside clean text: where plain ftfy.fix_encoding changes nothing,
    fix_text either gives the clean text back or changes nothing. It never
    half-reads a segment of another code page (Mac Roman ``‚Ä¢`` as latin-1
    ``‚Ģ``) nor decodes a chance sequence out of one (``斱`` inside Mac Roman
    Cyrillic)."""
    text, clean = case
    if ftfy.fix_encoding(text) == text:
        assert fix_text(text)[0] in (text, clean)
