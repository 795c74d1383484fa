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
        ("from_removed_text", "https://x.org/a"),  # the url it took from a removed paragraph
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


# Words a picture credit or trailer may be built from, to make the asides below look
# as close to boilerplate as possible; ORDINARY words never occur in a credit.
CREDIT_LIKE = ["Approved", "Apple", "APEC", "Pool", "Credit", "Suisse", "Reuters", "AP", "AFP",
               "Photo", "Getty", "Images", "Handout", "Press", "Jane", "Doe", "Energy", "Inc",
               "Reporting", "Editing", "by", "via", "of", "/", ",", ";", ":", "&"]
ORDINARY = ["shareholders", "appearing", "summit", "estimates", "pct", "million", "said",
            "analysts", "year-on-year", "excluding", "unaudited", "5", "1987", "12.5"]
PROSE = ["Profits rose 5 pct in the quarter, the company said.",
         "A man walks past the bank in Tokyo, March 3, 1987.",
         "Crowds gather in this picture taken on Sunday.",
         "Shareholders approved the merger!",
         "Is the deal still on?"]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PROSE + [""]),
       st.lists(st.sampled_from(CREDIT_LIKE + ORDINARY), min_size=1, max_size=10),
       st.sampled_from(ORDINARY), st.integers(min_value=0, max_value=10), st.sampled_from([")", ")."]))
def test_prose_with_a_trailing_parenthetical_survives_every_rule(prose, words, ordinary, at, close):
    """A parenthesis holding an ordinary word is an aside, never a credit or trailer."""
    words.insert(min(at, len(words)), ordinary)
    paragraph = f"{prose} ({' '.join(words)}{close}".strip()
    record = new_record(text=f"Body.\n\n{paragraph}", source={})
    assert StripBoilerplate().apply(record) is record, paragraph


def test_clean_explain_lists_every_removed_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from corpuskit.cli import main

    rows = [{"id": "a", "text": "Body one.\n\n(Reporting by Ann Lee; Editing by Bo Kim)"},
            {"id": "b", "text": "Profits rose. (Credit Suisse estimates)"},
            {"id": "c", "text": "READ MORE: Banks Raise Rates\n\nBody.\n\nWatch all videos at\n\nhttps://x.org/v"}]
    monkeypatch.chdir(tmp_path)
    data = "in.jsonl"
    (tmp_path / data).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(data), "--steps", "strip_boilerplate", "--explain"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{data}:1\ta\tstrip_boilerplate:reporting_trailer\t(Reporting by Ann Lee; Editing by Bo Kim)",
        f"{data}:3\tc\tstrip_boilerplate:read_more\tREAD MORE: Banks Raise Rates",
        f"{data}:3\tc\tstrip_boilerplate:watch_videos\tWatch all videos at",
        f"{data}:3\tc\tstrip_boilerplate:watch_videos\thttps://x.org/v",
        "# 4 lines removed from 3 records (read_more 1, reporting_trailer 1, watch_videos 2)",
    ]
    assert not list(tmp_path.glob("*.tmp-*"))
    out = tmp_path / "out.jsonl"
    both = CliRunner().invoke(main, ["clean", str(data), "--steps", "strip_boilerplate", "--explain",
                                     "--out", str(out)])
    assert both.exit_code == 0 and both.output.splitlines()[:4] == result.output.splitlines()[:4]
    assert [json.loads(line)["text"] for line in out.read_text("utf-8").splitlines()] == [
        "Body one.", "Profits rose. (Credit Suisse estimates)", "Body."]
    neither = CliRunner().invoke(main, ["clean", str(data)])
    assert neither.exit_code == 2 and "give --out FILE, --explain, or both" in neither.output
