"""normalize_variants golden cases and properties; variants suggest library and CLI."""

from __future__ import annotations

import json
import re
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
    assert set(table) == {"variants"} and set(table["variants"]) == {"Nagorno"}
    assert sorted(table["variants"]["Nagorno"]) == ["Nagorny", "Nargono"]


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


@pytest.mark.parametrize("table, key, message", [
    ({"": ["Volker"]}, "''", ": the canonical spelling is empty"),
    ({"Volcker": ["-"]}, "'Volcker'", ": variant '-' has no letter"),
    ({"Volcker": ["Volker", "  "]}, "'Volcker'", ": variant '  ' has no letter"),
    ({"Volcker": ["1987"]}, "'Volcker'", ": variant '1987' has no letter"),
    ({"--": ["Volker"]}, "'--'", ": the canonical spelling has no letter"),
    ({"Volcker": ["VOLCKER"]}, "'Volcker'", ": variant 'VOLCKER' is the canonical spelling itself"),
    ({"O'Neill": ["O’Neill"]}, '"O\'Neill"', ": variant 'O’Neill' is the canonical spelling itself"),
    ({"Volcker": ["Volker"], "Volkert": ["volker"]}, "'Volkert'", ": variant 'volker' is listed under both 'Volcker' and 'Volkert'"),
    ({"Volcker": ["Volker"], "Volker": ["Vollker"]}, "'Volker'",
     ": 'Volker' is both a canonical form and a variant of 'Volcker' (a chain)"),
    ({"Nagorno": ["Nagorny"], "Nagorny Karabakh": ["Nargono Karabakh"], "Karabakh": ["Karabach"]}, None, None),
    ({"Kilroy-Silk": ["Kilroy Silk"], "Kilroy Silk": ["Kilroy Sylk"]}, "'Kilroy Silk'",
     ": spells the same name as canonical 'Kilroy-Silk'"),
    ({"Volcker": "Volker"}, "'Volcker'", " must be a list of strings"),
])
def test_lexicon_errors_name_the_key(table, key, message):
    from corpuskit.errors import ConfigError

    if message is None:
        assert validate_lexicon(table)
        return
    with pytest.raises(ConfigError) as info:
        validate_lexicon(table, " in my.toml")
    text = str(info.value)
    assert text.startswith(f"[variants] {key} in my.toml{message}") and "\n" not in text, text


def test_bad_lexicon_is_one_line_from_the_cli(tmp_path):
    config = tmp_path / "lex.toml"
    config.write_text('[variants]\n"Kilroy-Silk" = ["Kilroy Silk"]\n"" = ["x"]\n', encoding="utf-8")
    data = tmp_path / "in.jsonl"
    data.write_text('{"id": "1", "text": "Kilroy Silk said"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["clean", str(data), "--config", str(config), "--out", str(out)])
    assert result.exit_code != 0 and not out.exists()
    assert result.output.strip().splitlines() == [
        f"Error: {config}: [variants] '': the canonical spelling is empty; write the name its "
        "variants should become"]


LETTERS = st.text(alphabet="abcdefgh", min_size=2, max_size=6)
SEPARATORS = st.sampled_from([" ", "-", "'", ".", ""])


@st.composite
def lexicons(draw):
    """Random multi-word names with punctuation, each with variants that differ by punctuation or a letter."""
    table = {}
    used = set()
    for _ in range(draw(st.integers(1, 4))):
        words = draw(st.lists(LETTERS, min_size=1, max_size=3))
        seps = [draw(SEPARATORS) for _ in words[1:]]
        canonical = words[0].title() + "".join(s + w.title() for s, w in zip(seps, words[1:]))
        variants = []
        for _ in range(draw(st.integers(1, 3))):
            vwords = list(words)
            if draw(st.booleans()):
                i = draw(st.integers(0, len(vwords) - 1))
                vwords[i] = vwords[i] + draw(st.sampled_from("xyz"))
            vseps = [draw(SEPARATORS) for _ in vwords[1:]]
            variants.append(vwords[0].title() + "".join(s + w.title() for s, w in zip(vseps, vwords[1:])))
        forms = [canonical] + variants
        try:
            candidate = dict(table, **{canonical: [v for v in variants if v != canonical]})
            validate_lexicon(candidate)
        except Exception:
            continue
        if any(f.lower() in used for f in forms):
            continue
        used.update(f.lower() for f in forms)
        table = candidate
    return table


@settings(max_examples=300, deadline=None)
@given(lexicons(), st.data())
def test_every_listed_variant_is_replaced(table, data):
    """Whatever its punctuation and case, each listed variant becomes its canonical; canonicals stay."""
    from hypothesis import assume

    lexicon = validate_lexicon(table)
    assume(any(lexicon.values()))
    step = NormalizeVariants(lexicon=tuple(sorted(lexicon.items())))
    for canonical, variants in lexicon.items():
        for variant in variants:
            case = data.draw(st.sampled_from([str, str.upper, str.lower]))
            text = f"Then {case(variant)} spoke."
            new, counts = step.rewrite(text)
            assert counts == {(variant, canonical): 1}, (text, new)
            expected = canonical if case(variant) == variant or case is str else case(canonical)
            assert new == f"Then {expected} spoke."
            assert step.rewrite(new) == (new, {})
        assert step.rewrite(f"Then {canonical} spoke.") == (f"Then {canonical} spoke.", {})
        # a longer word ("...q": no form contains q) is never touched
        last = re.split(r"[ \-'.]", canonical)[-1]
        assert step.rewrite(f"Then {canonical}q spoke.")[0].endswith(f"{last}q spoke.")


@pytest.mark.parametrize("variant, canonical, kind", [
    ("Commmission", "Commission", "doubled"), ("Wiliam", "William", "doubled"),
    ("Toyko", "Tokyo", "swapped"), ("Juen", "June", "swapped"),
    ("Corfp", "Corp", "near key"), ("Duth", "Dutch", "dropped letter"),
    ("Pohl", "Phol", "swapped"), ("Tchaikovsky", "Chaikovsky", "transliteration"),
    ("Marc", "March", "ending"), ("Paulo", "Paul", "ending"), ("Gull", "Gulf", "ending"),
    ("Bader", "Baker", "letter"),
])
def test_typo_kind(variant, canonical, kind):
    from corpuskit.variants_suggest import typo_kind

    assert typo_kind(variant, canonical)[0] == kind


def _corpus():
    """Invented news lines: typos of frequent words, and distinct names one letter apart."""
    texts = []
    for day in range(1, 29):
        texts.append(f"The Commission said on June {day} that Prime Minister Alma Vetrova would visit Tokyo "
                     f"for trade talks with President Reagan. Shares fell in Tokyo trading.")
        texts.append(f"Tokyo stocks rose on June {day}, and the Commission in Brussels said Brazil's "
                     f"exports to Tokyo grew. President Reagan and Iran were mentioned.")
    texts += [f"Iran and Iraq agreed a truce, Iraq said. Baghdad said Iraq would respond {i}."
              for i in range(6)]
    texts += ["The Commmission said on June 3 that it would rule.",       # real typos
              "Shares of the firm rose in Toyko trading on Juen 30, brokers said.",
              "Former chief of staff Donald Regan told the committee he knew nothing.",  # a distinct name
              "Marc Schneebaum, a director, said the fund would grow.",
              "Loans from Banco do Brasil were cut, and Banco do Brasil said so again."]
    return texts


def test_suggest_ranks_typos_and_drops_distinct_names():
    found = {(s.variant, s.canonical) for s in suggest_variants(_corpus())}
    assert {("Commmission", "Commission"), ("Toyko", "Tokyo"), ("Juen", "June")} <= found
    assert not {v for v, _ in found} & {"Regan", "Marc", "Brasil", "Iraq"}, found


def test_suggestions_round_trip_through_the_config_loader(tmp_path):
    from corpuskit.config import load_config

    # Nagorny is both a variant of Nagorno and a canonical candidate for Nagornyy: a chain
    texts = (["Fighting in Nagorno Karabakh spread."] * 40 + ["Fighting in Nagorny Karabakh spread."] * 10
             + ["Fighting in Nagornyy Karabakh spread."] * 2)
    printed = format_toml(suggest_variants(texts, top=0))
    path = tmp_path / "pasted.toml"
    path.write_text(printed, encoding="utf-8")
    lexicon = load_config(str(path)).variants
    assert lexicon and all(v not in lexicon for vs in lexicon.values() for v in vs)


NAMES = ["Nagorno", "Nagorny", "Nagornyy", "Nargono", "Nagoron", "Nagorn", "NAgorno", "Karabakh",
         "Karabach", "Karabahk", "Caucasus", "Caucuses", "Caucasu"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), st.integers(1, 8)),
                min_size=1, max_size=12))
def test_printed_table_always_loads(pairs):
    """Whatever the corpus, the printed table is a valid [variants] lexicon."""
    import tomllib

    texts = [f"Fighting in {a} {b} spread." for a, b, n in pairs for _ in range(n)]
    table = tomllib.loads(format_toml(suggest_variants(texts, top=0, min_count=1, ratio=1.5)))
    validate_lexicon(table["variants"])


def test_module_examples_hold():
    import doctest

    import corpuskit.steps.boilerplate
    import corpuskit.steps.variants
    import corpuskit.variants_suggest

    for module in (corpuskit.variants_suggest, corpuskit.steps.variants, corpuskit.steps.boilerplate):
        assert doctest.testmod(module).failed == 0, module.__name__


_PIECES = ["Nagorno", "nagorny", "NAGORNY", "Nargono-Karabakh", "Caucuses", "cauCUSES", "Kilroy Silk",
           "kilroy\nsilk", "\u212ailroy Silk", "O'Neill", "O\u2019Neill", "oneill", "\u0130stanbul", "\u0131stanbul",
           "\u017ftambul", "Stambul", "xNagorny", "Nagornyx", "_Nagorny", "Volker2", "\u00e9", " ", ",", "-", "\n",
           "Tsypras", "T\u017fypras", "TSYPRAS", "ts\u0131pras", "Zelensk\u0131y", "ZELENSKIY", "Zelenskyy",
           "Zelen\u017fky", "Kyiv", "\u212ayiv"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_the_pattern_tried_only_where_a_form_can_start_replaces_as_sub_does(pieces):
    """The variants step tries its pattern only where a lower-cased form's leading ASCII letters
    are: the result is ``pattern.sub``'s, also next to the letters whose case-insensitive
    matches are not plain ASCII (dotted and dotless i, the long s, the Kelvin sign)."""
    text = "".join(pieces)
    for lexicon in ({"Nagorno": ["Nargono", "Nagorny"], "Caucasus": ["Caucuses"]},
                    {"Kilroy-Silk": ["Kilroy Silk"], "O'Neill": ["ONeill"], "Istanbul": ["Stambul"]},
                    {"Tsipras": ["Tsypras"], "Zelensky": ["Zelenskiy", "Zelenskyy"], "Kiev": ["Kyiv"]}):
        step = NormalizeVariants(lexicon)
        seen: list[tuple[int, str]] = []

        def replace(match):
            seen.append((match.start(), match.group()))
            return match.group().upper()

        fast = step._substitute(replace, text)
        fast_seen, seen[:] = list(seen), []
        assert fast == step._pattern.sub(replace, text)
        assert fast_seen == seen


def test_a_dotless_or_dotted_i_is_another_letter_not_a_case_of_the_variant():
    """Python's case-insensitive regex pairs ``i`` with ``ı`` and ``İ``; those are other letters
    (Azerbaijani and Turkish spell with them), so the text is left as it is (it crashed the
    build with a KeyError)."""
    step = NormalizeVariants({"Pashinyan": ["Pashinian"]})
    for text in ("Pash\u0131n\u0131an said", "PASH\u0130N\u0130AN said"):
        assert step.edit_field("text", text) == (text, [])
    assert step.edit_field("text", "PASHINIAN said")[0] == "PASHINYAN said"


def test_every_case_insensitive_match_of_an_ascii_letter_lowers_and_folds_to_it():
    """What the variants step's places rest on (``_start_words``, ``_FOLD``), over every code
    point: a character the case-insensitive regex matches to an ASCII letter is that letter
    once lower-cased and folded, and lower-casing keeps every character one character long
    except the dotted capital I (a text with it is matched without places)."""
    import re
    import sys

    from corpuskit.steps.variants import _FOLD

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        found = {m.group() for m in re.finditer(letter, every, re.IGNORECASE)} - {"\u0130"}
        assert found >= {letter, letter.upper()}
        assert {ch.lower().translate(_FOLD) for ch in found} == {letter}
    assert [ch for ch in every if len(ch.lower()) != 1] == ["\u0130"]
