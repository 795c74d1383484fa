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
