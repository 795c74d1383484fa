"""strip_boilerplate: golden cases, provenance, configuration, properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit.errors import ConfigError
from corpuskit.records import new_record
from corpuskit.steps import StepContext, build_step
from corpuskit.steps.boilerplate import DEFAULT_RULES, StripBoilerplate, clean_url

GOLDEN = json.loads((Path(__file__).parent / "golden" / "strip_boilerplate.json").read_text("utf-8"))
LANGUAGES = json.loads((Path(__file__).parent / "golden" / "languages.json").read_text("utf-8"))


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["label"] for c in GOLDEN["cases"]])
def test_golden(case):
    out = StripBoilerplate().apply(new_record(text=case["input"], source={}))
    assert out["text"] == case["expected"]
    assert out["url"] == case["url"]


def test_every_removed_line_is_in_provenance():
    text = ("Body.\n\nREAD MORE: Other Story\n\nWatch all videos at\n\nhttps://x.org/a?utm_source=t\n\n"
            "(Reporting by A B; Editing by C D)")
    out = StripBoilerplate().apply(new_record(text=text, source={}))
    assert out["text"] == "Body."
    assert [(e["action"], e["detail"]) for e in out["edits"]] == [
        ("remove:read_more", "READ MORE: Other Story"),
        ("remove:watch_videos", "Watch all videos at"),
        ("remove:watch_videos", "https://x.org/a?utm_source=t"),
        ("remove:reporting_trailer", "(Reporting by A B; Editing by C D)"),
    ]
    assert out["url"] == "https://x.org/a"


def test_rules_are_configurable():
    step = build_step({"step": "strip_boilerplate", "rules": ["read_more"],
                       "extra_rules": {"promo": r"Advertisement"}}, StepContext())
    out = step.apply(new_record(text="A.\n\nAdvertisement\n\n(Reporting by X)\n\nREAD MORE: Yen Rises", source={}))
    assert out["text"] == "A.\n\n(Reporting by X)"
    assert step.config() == {"step": "strip_boilerplate", "rules": ["read_more"],
                             "extra_rules": {"promo": "Advertisement"}}
    with pytest.raises(ConfigError, match="unknown rule 'nope'"):
        build_step({"step": "strip_boilerplate", "rules": ["nope"]}, StepContext())
    with pytest.raises(ConfigError, match="bad regex"):
        build_step({"step": "strip_boilerplate", "extra_rules": {"x": "("}}, StepContext())


def test_clean_url_keeps_other_parameters():
    assert clean_url("https://a.b/c?x=1&utm_campaign=z&fbclid=Q&y=2") == "https://a.b/c?x=1&y=2"


BODY = [p for case in LANGUAGES["cases"] for p in [case["text"]]] + [
    "The company told Reuters it would cut jobs (about 5 pct).",
    "Shares rose 5 pct, the company said. (Figures in millions)",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(BODY), min_size=1, max_size=6))
def test_clean_text_unchanged(paragraphs):
    record = new_record(text="\n\n".join(paragraphs), source={})
    assert StripBoilerplate().apply(record) is record


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(BODY + [c["input"] for c in GOLDEN["cases"]]), min_size=1, max_size=6))
def test_idempotent(paragraphs):
    step = StripBoilerplate()
    once = step.apply(new_record(text="\n\n".join(paragraphs), source={}))
    assert step.apply(once)["text"] == once["text"]


def test_rule_names_are_documented():
    doc = (Path(__file__).parents[1] / "docs" / "cleaners.md").read_text("utf-8")
    for name in DEFAULT_RULES:
        assert f"`{name}`" in doc
