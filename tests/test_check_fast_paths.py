"""The gate's fast paths give the full checks' verdicts: they never accept what the full check rejects.

``provenance.spans`` first looks for the published title in the raw cited text (spacing and
case aside) and normalises the whole span only when that fails; ``records.mojibake`` settles
a record whose fields ``needs_repair`` clears without running the step. Both are compared
here with the full computation on varied titles, spans and texts (several scripts, mojibake
made from them, variant spellings, near misses).
"""

from __future__ import annotations

import itertools

from corpuskit._check import provenance, records
from corpuskit._check.report import CheckResult
from corpuskit.steps.encoding import FixEncoding, _is_bad
from corpuskit.steps.variants import NormalizeVariants

#: Titles and bodies written for these tests, in several scripts.
ARTICLES = [
    ("Nagorno-Karabakh talks resume in Moscow", "Foreign ministers met on Friday in Moscow for talks."),
    ("Ceasefire holds in the South Caucasus", "The truce agreed last week held overnight, officials said."),
    ("Переговоры по Карабаху возобновились", "Министры встретились в Москве в пятницу."),
    ("Le café “Lumière” rouvre à Erevan", "Les propriétaires ont rouvert l’établissement mardi."),
    ("Türkiye ve Azerbaycan ortak tatbikat düzenledi", "Tatbikat Bakü yakınlarında yapıldı."),
    ("Ղարաբաղյան բանակցությունները վերսկսվել են", "Նախարարները հանդիպել են Մոսկվայում։"),
    ("東京で和平会議が開かれた", "各国の代表が参加した。"),
    ("Update", "A short update on the talks."),
]
LEXICON = {"Nagorno": ["Nargono", "Nagorny"], "Caucasus": ["Caucuses"]}


def _mojibake(text: str) -> str:
    """UTF-8 read as cp1252 (what a wrongly decoded source holds)."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


def _title_cases():
    """``(published title, cited span text)`` pairs: the raw title in its span (verbatim, with
    spacing or case changes, as mojibake the pipeline repaired, with a variant it rewrote) and
    titles that are not in the span (another article's, one word changed, one word more, the
    span holding only a prefix)."""
    for (title, body), (other, _) in zip(ARTICLES, ARTICLES[1:] + ARTICLES[:1]):
        raws = [title, title.upper(), title.replace(" ", "  \n "), _mojibake(title),
                title.replace("Nagorno", "Nagorny").replace("Caucasus", "Caucuses")]
        for raw in raws:
            span = f"{raw}\n{body}"
            yield title, span
            yield other, span
            yield title.replace(title.split()[-1], "elsewhere"), span
            yield title + " today", span
            yield title, f"{raw.rsplit(' ', 1)[0]}\n{body}"


def test_title_fast_path_never_accepts_what_the_full_test_rejects():
    normalize = object.__new__(provenance._Normalizer)
    normalize.variants = NormalizeVariants(LEXICON)
    kinds = set()
    for title, span in _title_cases():
        full = normalize(title) in normalize(span)
        fast = provenance._plain(title) in provenance._plain(span)
        verbatim = title in span
        assert not (verbatim and not fast), (title, span)
        assert not (fast and not full), (title, span)
        assert provenance.holds_title(title, span, normalize) == full, (title, span)
        kinds.add((verbatim, fast, full))
    # every path is exercised: found as it is, found raw, found only after normalising, not found
    assert kinds == {(True, True, True), (False, True, True), (False, False, True), (False, False, False)}


def test_a_verbatim_title_is_in_the_plain_span_in_every_script():
    """The verbatim test relies on ``_plain`` keeping substrings: whitespace runs cut at the
    edges of the title, and case folding without context (final sigma, dotted I, ß)."""
    spans = ["ΟΔΥΣΣΕΥΣ ΚΑΙ ΣΑΣ.\tτέλος", "İSTANBUL’DA  \n IŞIK", "Straße \u00a0 STRASSE", "x  y\n\n z ",
             *(f"{title}\n{body}" for title, body in ARTICLES)]
    for span in spans:
        for start, end in itertools.combinations(range(len(span) + 1), 2):
            title = span[start:end]
            assert provenance._plain(title) in provenance._plain(span), (title, span)


def _mojibake_scan() -> records._Mojibake:
    scan = object.__new__(records._Mojibake)
    scan.step, scan.result = FixEncoding(), CheckResult(records._Mojibake.name)
    scan.warnings = True
    return scan


def _full_mojibake(scan, rows) -> list[tuple]:
    """``records.mojibake``'s findings with the step and ``is_bad`` run on every record."""
    found = []
    for index, record in enumerate(rows):
        after = scan.step.apply(record)
        if after is not record and after.get("edits"):
            found.append(("fail", index, record["id"], scan.describe(after["edits"])))
    for index, record in enumerate(rows):
        bad = [f for f in scan.step.params.fields if isinstance(record.get(f), str) and _is_bad(record[f])]
        if bad:
            found.append(("warn", index, record["id"], f"ftfy finds suspicious characters in {', '.join(bad)}"))
    return found


def test_mojibake_fast_path_gives_the_full_findings():
    texts = [t for title, body in ARTICLES for t in (title, body, _mojibake(title), _mojibake(_mojibake(body)))]
    texts += ["plain ASCII\x85with a C1 control", "tab\x1b[31m escape", "curly “quotes” – dash", "Ã© alone",
              "café Ã© mixed", "", "x\ud800y"]
    rows = [{"id": f"r{i}", "title": title, "text": text, "outlet": None, "author": "Ann Lee"}
            for i, (title, text) in enumerate(itertools.product(texts[::3], texts))]
    scan = _mojibake_scan()
    checked, found = scan.scan(rows, 0)
    assert checked == len(rows)
    expected = _full_mojibake(scan, rows)
    assert found == expected
    assert {kind for kind, *_ in found} == {"fail", "warn"}  # both kinds of finding occur
    scan.warnings = False  # the build's gate: the failures alone, the same ones
    assert scan.scan(rows, 0) == (len(rows), [f for f in expected if f[0] == "fail"])


def test_word_characters_of_the_text_key_are_the_regexs_on_every_code_point():
    import re

    every = "".join(map(chr, range(0x110000)))
    regex = [m.start() for m in re.finditer(r"[^\W_]", every)]
    assert regex == records._word_chars().nonzero()[0].tolist()


def test_text_keys_are_the_regex_definitions_key(monkeypatch):
    """``text_keys`` (numpy, a batch at once) against the definition: NFKC, case folding,
    runs of non-word characters as one space, the ends trimmed, blake2b of the UTF-8."""
    import hashlib
    import random
    import re
    import unicodedata

    def key(text):
        words = re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).strip(" ")
        return hashlib.blake2b(words.encode(), digest_size=16).digest()

    pieces = [" ", "  ", ".", ",", "_", "-", "\n", "\t", "\u00a0", "\u2019", "a", "Z", "9", "é", "ß", "ﬁ",
              "\u0130", "Σ", "٣", "😀", "\u0301", "\x00", "東京"]
    rng = random.Random(7)
    texts = ["", " ", "...", "_a_", "a_b", *(t for pair in ARTICLES for t in pair)]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(4000)]
    expected = b"".join(map(key, texts))
    for group in (records.KEY_CHARS, 50):  # any batch, any group: a key never depends on the neighbours
        monkeypatch.setattr(records, "KEY_CHARS", group)
        for size in (1, 7, len(texts)):
            assert b"".join(records.text_keys(texts[i:i + size]) for i in range(0, len(texts), size)) == expected
    assert records.text_keys([]) == b""


# -- records.exact_duplicates: the text key's two ways against the definition --------------


def _regex_key(text: str) -> bytes:
    """The key as ``text_keys``'s docstring defines it: NFKC, case folding, runs of non-word
    characters as one space, the ends trimmed, blake2b of the UTF-8."""
    import hashlib
    import re
    import unicodedata

    words = re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).strip(" ")
    return hashlib.blake2b(words.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _each_way(texts: list[str]) -> tuple[bytes, bytes, bytes]:
    """The keys of ``texts`` by ``text_keys`` and by each of its two ways, whichever it would
    choose for a text (the UTF-8 bytes of a mostly-ASCII text, the code points of any)."""
    import unicodedata

    normal = [unicodedata.normalize("NFKC", text) for text in texts]
    narrow = records._narrow_keys(normal, [text.encode("utf-8", "surrogatepass") for text in normal])
    return records.text_keys(texts), narrow, records._wide_keys(normal)


def _special_characters() -> list[str]:
    """Every kind of space and invisible separator, every character NFKC changes (ligatures,
    full-width and circled forms, super- and subscripts, the Kelvin and Ångström signs, the
    long s, ...), every character case folding changes (ß, İ, the final sigma, Cherokee,
    the Greek iota subscript that folds to a letter, ...), combining marks, surrogates."""
    import unicodedata

    every = [chr(code) for code in range(0x110000)]
    return sorted({c for c in every if c.isspace() or unicodedata.category(c) in ("Zs", "Zl", "Zp", "Cf", "Mn")
                   or unicodedata.normalize("NFKC", c) != c or c.casefold() != c} | {"\ud800", "\udc80", "\udfff"})


_SPECIALS = _special_characters()


def _texts():
    from hypothesis import strategies as st

    ascii_run = st.text(st.characters(max_codepoint=0x7F), max_size=40)
    special_run = st.text(st.sampled_from(_SPECIALS), min_size=1, max_size=3)
    scripts = st.sampled_from([body for _, body in ARTICLES] + ["Straße ΣΟΦΟΣ İstanbul ǅemal ﬁnal ① Ｋａｒａ"])
    any_run = st.text(st.characters(), max_size=6)
    # mostly ASCII with a few others (the bytes' way), or mostly not (the code points')
    piece = st.one_of(ascii_run, ascii_run, ascii_run, special_run, scripts, any_run)
    return st.lists(piece, max_size=30).map("".join)


def test_text_keys_each_way_are_the_definitions_key_on_any_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=400, deadline=None)
    @given(st.lists(_texts(), max_size=10))
    def check(texts):
        expected = b"".join(map(_regex_key, texts))
        assert _each_way(texts) == (expected, expected, expected)

    check()


def test_text_keys_each_way_are_the_definitions_key_on_every_code_point():
    """Every code point, next to its neighbours, between spaces and between capital letters
    (NFKC composes ``A`` with a combining mark; case folding then changes the letter)."""
    every = [chr(code) for code in range(0x110000)]
    texts = []
    for start in range(0, len(every), 64):
        chunk = every[start:start + 64]
        texts += ["".join(chunk), " ".join(chunk), "A".join(chunk), "plain ASCII words " * 8 + chunk[0] + " " + chunk[-1]]
    expected = b"".join(map(_regex_key, texts))
    assert _each_way(texts) == (expected, expected, expected)


def test_key_classes_and_the_case_folding_they_rely_on_on_every_code_point():
    """``_classes_of`` says which code points case folding changes and which are word
    characters; ``_narrow_keys`` relies on case folding being one character at a time and on
    its output needing no more folding."""
    import numpy as np

    every = "".join(map(chr, range(0x110000)))
    classes = records._classes_of(np.arange(0x110000, dtype=np.uint32)).tolist()
    assert classes == [records._FOLDS if c.casefold() != c else records._WORD if c.isalnum() else records._NOT_WORD
                       for c in every]
    folded = every.casefold()
    assert folded == "".join(c.casefold() for c in every)
    assert folded.casefold() == folded
