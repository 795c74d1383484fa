"""normalize_whitespace: golden cases and properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit.records import new_record
from corpuskit.steps.whitespace import NormalizeWhitespace, normalize_text

GOLDEN = json.loads((Path(__file__).parent / "golden" / "normalize_whitespace.json").read_text("utf-8"))


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["label"] for c in GOLDEN["cases"]])
def test_golden(case):
    assert normalize_text(case["input"])[0] == case["expected"]


MESSY = st.text(alphabet=st.sampled_from(list("ab .\n\r\t\u00a0\u202f\u2009\u3000\x07\u200b\ufeffé“”")),
                max_size=80)


@settings(max_examples=300, deadline=None)
@given(MESSY)
def test_idempotent(text):
    once = normalize_text(text)[0]
    assert normalize_text(once)[0] == once


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="abcé“”’–", min_size=1, max_size=8), min_size=1, max_size=6)
                .map(" ".join), min_size=1, max_size=5))
def test_clean_text_unchanged(paragraphs):
    text = "\n\n".join(paragraphs)
    assert normalize_text(text) == (text, {})


@settings(max_examples=200, deadline=None)
@given(MESSY)
def test_words_and_paragraphs_kept(text):
    out = normalize_text(text)[0]
    keep = lambda s: "".join(c for c in s if c not in " \n\r\t\u00a0\u202f\u2009\u3000\x07\u200b\ufeff")  # noqa: E731
    assert keep(out) == keep(text)
    assert _paragraphs(out, keep) == _paragraphs(text, keep)


def _paragraphs(text, keep):
    """Groups of non-blank lines (a line of only spaces or controls is blank)."""
    groups, current = [], []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if keep(line):
            current.append(keep(line))
        elif current:
            groups.append(current)
            current = []
    return groups + ([current] if current else [])


def test_step_records_counts():
    record = new_record(text="One\u00a0two  three.\r\n", title=" Title\u00a0 ", source={})
    out = NormalizeWhitespace().apply(record)
    assert out["text"] == "One two three." and out["title"] == "Title"
    assert out["edits"][0]["step"] == "normalize_whitespace"
    assert NormalizeWhitespace().apply(out) is out


def _needs_work_by_substrings(text: str) -> bool:
    """The no-op test as it was before its one-scan form: a scan per case."""
    import re

    from corpuskit.steps.whitespace import _SPECIAL

    return bool("  " in text or " \n" in text or "\n " in text or "\n\n\n" in text
                or text.startswith((" ", "\n")) or text.endswith((" ", "\n"))
                or re.search(f"[{_SPECIAL}]", text))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "b.", " ", "\n", "\n\n", "\r", "\t", "\u00a0", "\u200b", "\x07", "\x85",
                                 "\u2019", "\u00e9", "\u3000", "\x0c"]), max_size=25))
def test_the_one_scan_no_op_test_answers_as_the_substring_tests(pieces):
    """``normalize_text`` decides that a text needs no work with one regex scan (and the doubled
    space and edge tests): the same answer as one scan per case."""
    from corpuskit.steps.whitespace import _needs_work

    text = "".join(pieces)
    assert _needs_work(text) == _needs_work_by_substrings(text)
    for edge in (" \n", "\n ", "\n\n\n", "\r", "\u00a0", "\x0c"):
        assert _needs_work(f"ab{edge}cd") and _needs_work_by_substrings(f"ab{edge}cd")
    assert not _needs_work("ab\n\ncd \u2019e\u00e9 f\ng")
