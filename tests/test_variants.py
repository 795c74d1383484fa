"""normalize_variants golden cases and properties; variants suggest library and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit.cli import main
from corpuskit.records import new_record
from corpuskit.steps.variants import NormalizeVariants, validate_lexicon
from corpuskit.variants_suggest import edit_distance, format_toml, suggest_variants

GOLDEN = json.loads((Path(__file__).parent / "golden" / "normalize_variants.json").read_text("utf-8"))
LEXICON = validate_lexicon(GOLDEN["lexicon"])
STEP = NormalizeVariants(lexicon=tuple(sorted(LEXICON.items())))
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["label"] for c in GOLDEN["cases"]])
def test_golden(case):
    assert STEP.rewrite(case["input"])[0] == case["expected"]


def test_counts_in_provenance_and_stats():
    from corpuskit.steps.base import StepStats

    record = new_record(text="Volker and Volker met Pöhl.", title="Volker", source={})
    stats = StepStats(STEP.name)
    (out,), _ = STEP.process_batch([record], stats)
    assert out["text"] == "Volcker and Volcker met Poehl."
    assert [(e["field"], e["detail"], e["count"]) for e in out["edits"]] == [
        ("title", "Volker -> Volcker", 1), ("text", "Pöhl -> Poehl", 1), ("text", "Volker -> Volcker", 2)]
    assert stats.counters["Volker -> Volcker"] == 3


WORDS = ["Volcker", "Sumitomo", "Ebbers", "Pohl", "Karabakh", "the", "said", "Volker", "Sumito",
         "Nagorny Karabakh", "VOLKER", "Hisham Nazir", "Volker's", "-", ",", "."]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=20))
def test_idempotent(words):
    once = STEP.rewrite(" ".join(words))[0]
    assert STEP.rewrite(once)[0] == once


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Volcker", "Sumitomo", "Ebbers", "Pohl", "Sumita", "the", "said", "Ebbersole"]),
                max_size=20))
def test_clean_text_unchanged(words):
    text = " ".join(words)
    assert STEP.rewrite(text) == (text, {})


def test_edit_distance_transposition():
    assert edit_distance("Caucuses", "Caucasus") == 2
    assert edit_distance("abcd", "abdc") == 1


def test_suggest_finds_seed_variants_and_nothing_else():
    from corpuskit.readers import read_records

    texts = [r["text"] for r in read_records([str(SEEDS)])]
    found = [(s.variant, s.canonical) for s in suggest_variants(texts)]
    assert set(found) == {("Nargono", "Nagorno"), ("Nagorny", "Nagorno"), ("Caucuses", "Caucasus")}


def test_suggest_skips_inflections_and_known_pairs():
    texts = ["Germany and the Germans, German trade; Germany again. Germany, Germany."] * 3
    assert suggest_variants(texts, min_count=2) == []
    texts = ["Nagorno Karabakh fighting"] * 5 + ["Nagorny Karabakh fighting"]
    assert [s.variant for s in suggest_variants(texts)] == ["Nagorny"]
    assert suggest_variants(texts, known={"Nagorno": ["Nagorny"]}) == []


def test_format_toml_round_trips():
    import tomllib

    texts = ["Nagorno Karabakh fighting"] * 5 + ["Nagorny Karabakh fighting", "Nargono Karabakh fighting"]
    table = tomllib.loads(format_toml(suggest_variants(texts)))
    assert table == {"variants": {"Nagorno": ["Nagorny", "Nargono"]}}


def test_cli_suggest_on_seed(tmp_path):
    lexicon = tmp_path / "lex.toml"
    lexicon.write_text('[variants]\n"Nagorno" = ["Nagorny"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["variants", "suggest", str(SEEDS), "--lexicon", str(lexicon)])
    assert result.exit_code == 0, result.output
    assert '"Nagorno" = ["Nargono"]' in result.output
    assert '"Caucasus" = ["Caucuses"]' in result.output
    assert "Nagorny" not in result.output.split("[variants]")[1]


def test_cli_suggest_missing_lexicon():
    result = CliRunner().invoke(main, ["variants", "suggest", str(SEEDS), "--lexicon", "nope.toml"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: nope.toml: no such lexicon file"
