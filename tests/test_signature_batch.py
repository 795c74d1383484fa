"""Signatures computed batch-wise are bit-identical to the per-record computation they replaced
(``tests/signature_reference.py``, a8d5db3's code), whatever the text and whatever else is in
the batch: every field of every signature, for generated texts in several scripts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import signature_reference as reference
from corpuskit._dedup import signature
from corpuskit._dedup.normalize import fingerprint_bytes, fold, raw_token_table, raw_tokens, separated
from corpuskit._dedup.signature import compute, compute_batch

#: every character ``str.split`` splits on
SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()]

#: word-like pieces: several scripts, figures (glued to words, with separators), wire
#: abbreviations, OCR confusions, mojibake, typography, soft hyphens, dates
PIECES = [
    "the", "Grain", "PRICES", "rose", "5", "pct", "per cent", "1O", "mln", "rose167", "135mln", "4th",
    "1987", "4,628,650", "6-1/4", "U.S.", "party's", "party’s", "colour", "labour", "rnodel", "lisb0n",
    "Москва", "рубль", "Ελλάδα", "ΣΟΦΙΑ", "北京", "上海市", "مصر", "القاهرة", "İstanbul", "straße", "ﬁnance",
    "café", "cafe\u0301", "Judge\u00e2\u20ac\u2122s", "\u201cquoted\u201d", "\u2013", "\u2014", "\u2026",
    "co\u00adoperate", "%", "50%", "$", "€12", "½", "²", "Ⅻ", "１２３", "ｆｕｌｌ",
    "April 2", "PARIS, April 2 -", "18 June", "UPDATE 1-", "RPT-", "Reuters:", "- report", "(updated)",
    "", ".", ",", "'", "-", "vs32", "x86", "a1b2c3", "0.4", "00017", "s5", "\ud800",
    "\u00d7", "\u00f7", "\u00a3", "\u2022", "\u00b5", "\u00df", "\u0130", "\u0301", "e\u0301", "\u2019\u0301",
    "\u00c3\u2013", "\u00e9\u2014", "\u00e2\u20ac\u201c",
]
#: plain English news typography: the quotes, dashes and spaces that fold by ASCII stand-ins,
#: next to the percent rule's words (``per\u2013cent`` is not ``per cent``; ``per\u00a0cent`` is)
MARKS = ["\u2019", "\u201c", "\u201d", "\u2018", "\u2013", "\u2014", "\u00a0", "\u202f", "\u2026"]
PLAIN_PIECES = ["The", "per", "PER", "cent", "Cent", "per cent", "per\tcent", "per  cent", "50%", "%", "U.S.",
                "per\u00a0cent", "per\u202fCent", "per\u2013cent", "per\u201ccent", "per\u2019cent",
                "x\u2019per cent", "party's", "5", "1O", "rose167", "PARIS, April 2 -", "UPDATE 1-", "- report",
                "\t", "\n", "\x1c"] + MARKS


pieces = st.one_of(st.sampled_from(PIECES), st.sampled_from(SPACES),
                   st.text(min_size=1, max_size=6))
#: or ASCII and the marks alone (the path that folds them by stand-ins)
plain_pieces = st.one_of(st.sampled_from(PLAIN_PIECES),
                         st.text(alphabet=st.characters(max_codepoint=127) | st.sampled_from(MARKS), max_size=6))


def _texts(words, **size):
    return st.lists(st.one_of(words, st.just(" ")), **size).map("".join)


headlines = st.one_of(_texts(pieces, max_size=20), _texts(plain_pieces, max_size=20))
#: bodies past the lead (headline + 40 tokens) and the sampling levels' thresholds
bodies = st.one_of(_texts(pieces, max_size=30), _texts(pieces, min_size=60, max_size=400),
                   _texts(plain_pieces, max_size=30), _texts(plain_pieces, min_size=60, max_size=400))
records = st.fixed_dictionaries({"title": st.one_of(st.none(), headlines), "text": bodies},
                                optional={"date": st.sampled_from([None, "1987-04-02", "2020-10-1x", "bad"])})


def _signatures_or_error(compute_one, record):
    try:
        return compute_one(record)
    except UnicodeEncodeError as error:  # a lone surrogate: both refuse it alike
        return type(error)


def _assert_same(got, want):
    assert type(got) is type(want)
    assert got._asdict() == want._asdict()
    for field, value in got._asdict().items():
        assert type(value) is type(want._asdict()[field]), field


@settings(max_examples=300, deadline=None)
@given(st.lists(records, min_size=1, max_size=8))
def test_batch_signatures_equal_the_per_record_ones(batch):
    want = [_signatures_or_error(reference.compute, r) for r in batch]
    if any(w is UnicodeEncodeError for w in want):
        with pytest.raises(UnicodeEncodeError):
            compute_batch(batch)
        return
    for got, expected in zip(compute_batch(batch), want):
        _assert_same(got, expected)
    _assert_same(compute(batch[-1]), want[-1])


@settings(max_examples=500, deadline=None)
@given(st.one_of(_texts(pieces, max_size=40), _texts(plain_pieces, max_size=40)))
def test_fingerprint_bytes_are_the_folded_text_separated(text):
    try:
        want = separated(fold(text))
    except UnicodeEncodeError:  # a lone surrogate
        with pytest.raises(UnicodeEncodeError):
            fingerprint_bytes(text)
        return
    assert fingerprint_bytes(text) == want


@settings(max_examples=60, deadline=None)
@given(st.lists(records, min_size=1, max_size=6))
def test_chunks_and_token_caches_cleared_midway_change_nothing(batch):
    batch = [r for r in batch if _signatures_or_error(reference.compute, r) is not UnicodeEncodeError]
    saved = signature._HASH_LIMIT, signature._CHUNK
    signature._HASH_LIMIT, signature._CHUNK = 3, 2  # every chunk of two records clears the caches
    try:
        got = compute_batch(batch)
    finally:
        signature._HASH_LIMIT, signature._CHUNK = saved
    assert len(got) == len(batch)
    for one, record in zip(got, batch):
        _assert_same(one, reference.compute(record))


@pytest.mark.parametrize("space", SPACES, ids=[f"U+{ord(c):04X}" for c in SPACES])
def test_every_space_separates_tokens(space):
    text = f"one{space}two {space}three{space}"
    assert raw_tokens(text) == reference.raw_tokens(text) == ["one", "two", "three"]
    assert separated(text).split() == [b"one", b"two", b"three"]


def test_token_table_matches_tokenising_each_text():
    folded = ["a b  a", "", "  ", "\u00e9t\u00e9 a", "b"]
    offsets, index, distinct = raw_token_table([separated(text) for text in folded])
    got = [[distinct[i] for i in index[offsets[k]:offsets[k + 1]]] for k in range(len(folded))]
    assert got == [raw_tokens(text) for text in folded] == [["a", "b", "a"], [], [], ["\u00e9t\u00e9", "a"], ["b"]]


def test_glued_figures_keep_their_place():
    """Tokens that split into two words (or none) change the offsets of the texts after them."""
    batch = [{"title": "Shr rose167", "text": "135mln dlrs vs32 4th"}, {"title": None, "text": "x\n\nrose167 a"}]
    for got, record in zip(compute_batch(batch), batch):
        _assert_same(got, reference.compute(record))
    assert compute(batch[0]).size == 9 and compute(batch[0]).title == "sharc rosc 167"


def test_empty_batch_and_empty_records():
    assert compute_batch([]) == []
    sig = compute({"title": "", "text": ""})
    assert (sig.size, sig.shingles, sig.body) == (0, b"", 0)
    _assert_same(sig, reference.compute({"title": "", "text": ""}))
    assert len(np.frombuffer(sig.bands, dtype="<u4")) == signature.BANDS
