"""The replayable edit log: every edit carries exact fixes, and the log alone redoes the steps.

The goldens of every cleaning step are replayed from their edit logs (no step code), a
built version is replayed by ``check`` from its log, and a forged fix or text fails it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit import fixes
from corpuskit._check import run_checks
from corpuskit.cli import main
from corpuskit.config import load_config
from corpuskit.records import new_record
from corpuskit.release.replay import FIELDS, LABELS, replay_log
from corpuskit.steps.boilerplate import StripBoilerplate
from corpuskit.steps.encoding import FixEncoding
from corpuskit.steps.variants import NormalizeVariants, validate_lexicon
from corpuskit.steps.whitespace import NormalizeWhitespace

GOLDEN = Path(__file__).parent / "golden"
# letters, mojibake, every kind of space and line end the steps touch
TEXT = st.text(alphabet="ab cdé’â€™\u00a0\u202f\t\r\n.-\u200bXY", max_size=120)


def _fixes_fit(before, items):
    assert all(0 <= f["start"] <= f["end"] <= len(before) for f in items)
    assert all(a["end"] < b["start"] for a, b in zip(items, items[1:]))  # in order, apart (else merged)
    assert all(before[f["start"]:f["end"]] != f["text"] for f in items)  # each changes something


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_between_then_apply_gives_the_after_text(before, after):
    items = fixes.between(before, after)
    assert fixes.apply(before, items) == after
    _fixes_fit(before, items)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.text("xyz", max_size=3)), min_size=1, max_size=12),
       st.integers(1, 4))
def test_groups_in_order_give_what_all_at_once_gives(cuts, group_count):
    text = "0123456789" * 4
    all_fixes, groups, pos = [], [[] for _ in range(group_count)], 0
    for index, (gap, new) in enumerate(cuts):  # non-overlapping fixes, dealt out to the groups
        start = pos + gap
        item = fixes.fix(start, min(start + 1 + gap % 2, len(text)), new)
        if item["start"] > len(text) or item["start"] >= item["end"]:
            break
        all_fixes.append(item)
        groups[index % group_count].append(item)
        pos = item["end"]
    value = text
    for group in fixes.in_order(groups):
        value = fixes.apply(value, group)
    assert value == fixes.apply(text, all_fixes)


def test_a_fix_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="does not fit a value of 3 characters"):
        fixes.apply("abc", [fixes.fix(2, 5, "")])
    with pytest.raises(ValueError, match="after a fix ending at 2"):
        fixes.apply("abcdef", [fixes.fix(0, 2, ""), fixes.fix(1, 3, "")])


def test_a_whitespace_change_all_over_a_long_text_gives_small_fixes():
    """Every line end and many spaces change: the fixes hold those, not the text again."""
    before = "\r\n\r\n".join(f"Paragraph {i} says\u00a0something  long enough to matter here. " for i in range(300))
    after = NormalizeWhitespace().apply(new_record(text=before, source={}))["text"]
    items = fixes.between(before, after)
    assert fixes.apply(before, items) == after
    assert sum(len(f["text"]) for f in items) == 300  # each no-break space becomes a space
    # and nothing but the removed characters is written out again: the fixes are minimal
    assert sum(f["end"] - f["start"] for f in items) == len(before) - len(after) + 300


def _replayed(raw, out):
    final = replay_log(raw, out["edits"])[-1][2] if out["edits"] else {n: raw.get(n) for n in FIELDS}
    return {n: final[n] for n in FIELDS if n not in LABELS}


def _golden(name):
    return json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))


def _variants_step():
    return NormalizeVariants(lexicon=tuple(sorted(validate_lexicon(_golden("normalize_variants")["lexicon"]).items())))


@pytest.mark.parametrize("name, make", [
    ("fix_encoding", FixEncoding), ("normalize_whitespace", NormalizeWhitespace),
    ("strip_boilerplate", StripBoilerplate), ("normalize_variants", _variants_step)])
def test_every_golden_edit_replays_from_its_fixes_alone(name, make):
    step, changed = make(), 0
    for case in _golden(name)["cases"]:
        raw = new_record(text=case["input"], title=case["input"][:60] or None, source={})
        out = step.apply(raw)
        assert all(e["fixes"] for e in out["edits"]), case["label"]  # every edit says how to redo it
        assert _replayed(raw, out) == {n: out[n] for n in FIELDS if n not in LABELS}, case["label"]
        changed += bool(out["edits"])
    assert changed >= 5  # the goldens do exercise edits


def test_variants_edits_apply_one_after_another_and_nfc_is_part_of_the_first():
    step = NormalizeVariants(lexicon=(("Nagorno-Karabakh", ("Nagorny Karabakh", "Nargono Karabakh")),
                                      ("Volcker", ("Volker",))))
    text = "Cafe\u0301: Volker in Nagorny Karabakh, VOLKER and nargono karabakh; Volker2 stays."
    raw = new_record(text=text, source={})
    out = step.apply(raw)
    assert [e["detail"] for e in out["edits"]] == ["Nagorny Karabakh -> Nagorno-Karabakh",
                                                   "Nargono Karabakh -> Nagorno-Karabakh", "Volker -> Volcker"]
    assert _replayed(raw, out)["text"] == out["text"] == \
        "Café: Volcker in Nagorno-Karabakh, VOLCKER and nagorno-karabakh; Volker2 stays."


def test_a_url_taken_from_a_removed_paragraph_is_an_edit_too():
    raw = new_record(text="Body.\n\nWatch all videos at https://x.org/a?utm_source=t", source={})
    out = StripBoilerplate().apply(raw)
    assert out["url"] == "https://x.org/a" and out["edits"][-1]["field"] == "url"
    assert _replayed(raw, out)["url"] == "https://x.org/a"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from helpers import copy_project

    from corpuskit._build import build

    root = copy_project(tmp_path_factory.mktemp("fixes"))
    config = load_config(root=str(root))
    out = root / "dist" / "built"
    build(config, out=str(out), workers=1)
    return root, out


def _replay(folder):
    return run_checks(str(folder), load=False, only=["provenance.replay"]).get("provenance.replay")


def test_check_replays_a_built_version_from_its_edit_log(built):
    _, folder = built
    rows = pq.read_table(folder / "data" / "train-00000-of-00001.parquet").to_pylist()
    assert all(e["fixes"] for r in rows for e in r["provenance"]["edits"])
    result = _replay(folder)
    assert result.status == "pass" and result.checked == 10, result.problems


def _forge(root, folder, label, change):
    """A copy of the built version beside it, with one row (that has a text edit) changed."""
    import shutil

    copy = root / "dist" / label
    shutil.copytree(folder, copy)
    path = copy / "data" / "train-00000-of-00001.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    row = next(r for r in rows if any(e["field"] == "text" for e in r["provenance"]["edits"]))
    change(row)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    return copy, row["id"]


def test_check_fails_a_text_its_edit_log_does_not_make(built):
    root, folder = built
    copy, rid = _forge(root, folder, "forged-text", lambda row: row.update(text=row["text"].replace("the", "teh", 1)))
    result = _replay(copy)
    assert [(p.item, p.reason) for p in result.problems] == [(rid, "the edit log makes text other than published")]


def test_check_fails_a_forged_fix(built):
    root, folder = built

    def forge(row):
        edit = next(e for e in row["provenance"]["edits"] if e["field"] == "text")
        edit["fixes"][0]["end"] = 10 ** 9

    copy, rid = _forge(root, folder, "forged-fix", forge)
    result = _replay(copy)
    assert len(result.problems) == 1 and result.problems[0].item == rid
    assert "the edit log does not replay: edit" in result.problems[0].reason
    assert "does not fit a value" in result.problems[0].reason


def test_explain_shows_each_edit_with_its_fixes(built):
    _, folder = built
    out = CliRunner().invoke(main, ["explain", str(folder), "8988b86a857ee358"])
    assert out.exit_code == 0, out.output
    assert "replay: matches the published record (replayed from the edit log)" in out.output
    assert "    edit text replace x2: Nargono -> Nagorno\n      fix @" in out.output
    assert "['Nargono' → 'Nagorno']" in out.output


def test_explain_from_the_log_for_records_a_step_or_the_empty_text_rule_removed(tmp_path):
    """A record dropped by detect_language, one without text (removed before any step), and one
    every cleaner edits (mojibake, spaces, CRLF, a 'watch videos' line with a URL, a variant)."""
    from helpers import copy_project

    from corpuskit._build import build

    root = copy_project(tmp_path)
    config = (root / "corpuskit.toml").read_text("utf-8").replace('inputs = ["seeds"]', 'inputs = ["in.jsonl"]')
    (root / "corpuskit.toml").write_text(config, "utf-8")
    rows = [{"id": "fr1", "title": "Une banque", "text": "La banque centrale a maintenu ses taux directeurs "
             "jeudi, a annoncé le gouverneur devant la presse réunie à Paris."},
            {"id": "empty1", "title": "Nothing", "text": "   \u00a0  "},
            {"id": "en1", "title": "Turkeyâ€™s  drones", "text": "Turkey said on Monday it would back Azerbaijan"
             "\u00a0 with all means as fighting over Nargono Karabakh entered a second day.\r\n\r\n"
             "Watch all videos at https://example.org/v?utm_source=x"}]
    (root / "in.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    folder = root / "dist" / "v"
    build(load_config(root=str(root)), out=str(folder), workers=1)
    assert _replay(folder).summary == "3/3 records replay from their sources to the published text"

    def steps(rid):
        out = CliRunner().invoke(main, ["explain", str(folder), rid])
        assert out.exit_code == 0 and "replay: matches the published record (replayed from the edit log)" in out.output
        return out.output

    assert "  detect_language: dropped (language:fr: p=1.0)" in steps("fr1")
    assert steps("empty1").split("steps:\n")[1].startswith("  empty_text: dropped (empty_text: the input record")
    english = steps("en1")
    assert "    edit title repair x1: encode:sloppy-windows-1252; decode:utf-8\n      fix @6: 'Turkey'['â€™' → '’']" \
        in english
    assert "    edit url from_removed_text x1: https://example.org/v\n      fix @0: ''['' → 'https://example.org/v']''" \
        in english
