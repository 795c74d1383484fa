"""Versioned releases: 1.0.0, then 1.1.0 with five more articles, then 2.0.0 after a
lexicon change that edits texts. A number that understates the change is refused
(nothing published); the changelogs and ``corpuskit diff`` are exact."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from corpuskit._build import build
from corpuskit.cli import main
from corpuskit.config import parse_config
from corpuskit.errors import PublishError

TOPICS = [
    ("a01", "Harvest festival opens in the valley", "Farmers brought apples, pears and honey to the market square. "
     "The festival runs for three days and ends with a parade of decorated tractors."),
    ("a02", "City council approves new bicycle lanes", "The council voted seven to two for twelve kilometres of "
     "protected lanes. Shop owners worried about parking, but cyclists welcomed the plan."),
    ("a03", "Museum returns stolen painting", "A landscape taken in a night burglary forty years ago hangs again "
     "in the east gallery. Detectives traced it through an auction catalogue in Vienna."),
    ("a04", "Mountain road closed after landslide", "Heavy rain loosened rocks above the pass across the Caucuses "
     "and engineers expect the road to stay shut until the slope is secured."),
    ("a05", "Local choir wins national contest", "Forty singers from the river town beat twenty other choirs "
     "with a programme of folk songs arranged by their conductor."),
    ("b06", "Observatory spots a bright comet", "Astronomers photographed a comet with a long green tail low in "
     "the western sky. It will be visible with binoculars for about two weeks."),
    ("b07", "Bakery chain raises bread prices", "Higher costs for flour and electricity pushed the chain to add "
     "ten cents to a loaf. Competitors said they would hold prices until spring."),
    ("b08", "Ferry service resumes after strike", "Crews returned to work on Monday after a pay deal, and the "
     "first boat left the harbour at dawn with a full deck of lorries."),
    ("b09", "Pilots trained for flights over the Caucuses", "The airline added simulator sessions for winter "
     "routes, where sudden winds over the ridges test even experienced crews."),
    ("b10", "School garden feeds the canteen", "Pupils grew beans, carrots and pumpkins on an unused corner of "
     "the playground and the cook now serves them at lunch twice a week."),
]


def _write(path, items) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for rid, title, text in items:
            handle.write(json.dumps({"id": rid, "title": title, "outlet": "Daily Test", "date": "2024-05-01",
                                     "text": text}) + "\n")


def _config(root, version: str, variants: dict | None = None):
    data = {"name": "towns", "version": version, "pretty_name": "Town news",
            "pipeline": [{"step": "normalize_whitespace"}, {"step": "normalize_variants"},
                         {"step": "dedup"}]}
    if variants:
        data["variants"] = variants
    return parse_config(data, str(root))


def _publish(root, version, inputs, variants=None):
    out = root / "dist" / "towns" / version
    return build(_config(root, version, variants), inputs=[str(p) for p in inputs], out=str(out), workers=1)


def _nothing_published(root, version):
    parent = root / "dist" / "towns"
    assert not (parent / version).exists()
    assert not [n for n in os.listdir(parent) if n.startswith(".")]


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """The three releases, with the refusals tried on the way (message of each kept)."""
    root = tmp_path_factory.mktemp("releases")
    first, second = root / "first.jsonl", root / "second.jsonl"
    _write(first, TOPICS[:5])
    _write(second, TOPICS[5:])
    refused = {}
    _publish(root, "1.0.0", [first])
    for version in ("1.0.1",):
        with pytest.raises(PublishError) as info:
            _publish(root, version, [first, second])
        refused[version] = str(info.value)
        _nothing_published(root, version)
    _publish(root, "1.1.0", [first, second])
    lexicon = {"Caucasus": ["Caucuses"]}
    for version in ("1.1.1", "1.2.0"):
        with pytest.raises(PublishError) as info:
            _publish(root, version, [first, second], lexicon)
        refused[version] = str(info.value)
        _nothing_published(root, version)
    _publish(root, "2.0.0", [first, second], lexicon)
    return root, refused


def test_understated_numbers_are_refused_with_the_diff_summary(releases):
    _, refused = releases
    assert refused["1.0.1"] == (
        "version 1.0.1 understates the change from 1.0.0: a MINOR change needs at least 1.1.0 "
        "(records: 5 added, 0 removed, 0 changed); raise 'version' in the configuration")
    assert refused["1.1.1"] == (
        "version 1.1.1 understates the change from 1.1.0: a MAJOR change needs at least 2.0.0 "
        "(records: 0 added, 0 removed, 2 changed; configuration changed: variants.Caucasus); "
        "raise 'version' in the configuration")
    assert refused["1.2.0"].startswith("version 1.2.0 understates the change from 1.1.0: a MAJOR change")
    for message in refused.values():
        assert "\n" not in message


def test_changelogs_are_exact(releases):
    root, _ = releases
    dist = root / "dist" / "towns"
    assert (dist / "1.0.0" / "CHANGELOG.md").read_text() == (
        "# Changelog: Town news 1.0.0\n\n"
        "Initial release: 5 records (0 removed, in the `removed` configuration).\n")
    assert (dist / "1.1.0" / "CHANGELOG.md").read_text() == (
        "# Changelog: Town news 1.1.0\n\n"
        "Compared with 1.0.0: a MINOR change.\n\n"
        "## Records\n\n"
        "- added: 5\n- removed: 0\n- changed: 0\n- provenance only: 0\n- unchanged: 5\n"
        "- in the `removed` configuration: 0 -> 0\n\n"
        "### Added\n\n"
        "- `b06` Observatory spots a bright comet\n"
        "- `b07` Bakery chain raises bread prices\n"
        "- `b08` Ferry service resumes after strike\n"
        "- `b09` Pilots trained for flights over the Caucuses\n"
        "- `b10` School garden feeds the canteen\n")
    assert (dist / "2.0.0" / "CHANGELOG.md").read_text() == (
        "# Changelog: Town news 2.0.0\n\n"
        "Compared with 1.1.0: a MAJOR change.\n\n"
        "## Records\n\n"
        "- added: 0\n- removed: 0\n- changed: 2\n- provenance only: 0\n- unchanged: 8\n"
        "- in the `removed` configuration: 0 -> 0\n\n"
        "### Changed\n\n"
        "- `a04` Mountain road closed after landslide: text\n\n"
        "  ```diff\n"
        "  --- a/a04/text\n"
        "  +++ b/a04/text\n"
        "  @@ -1 +1 @@\n"
        "  -Heavy rain loosened rocks above the pass across the Caucuses and engineers expect the road to "
        "stay shut until the slope is secured.\n"
        "  +Heavy rain loosened rocks above the pass across the Caucasus and engineers expect the road to "
        "stay shut until the slope is secured.\n"
        "  ```\n"
        "- `b09` Pilots trained for flights over the Caucasus: title\n"
        "  - `title`: `Pilots trained for flights over the Caucuses` -> "
        "`Pilots trained for flights over the Caucasus`\n\n"
        "## Configuration\n\n"
        "- `variants.Caucasus`: (unset) -> `['Caucuses']`\n")


def test_diff_command_is_exact(releases):
    root, _ = releases
    dist = root / "dist" / "towns"
    result = CliRunner().invoke(main, ["diff", str(dist / "1.1.0"), str(dist / "2.0.0")])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "1.1.0 -> 2.0.0: MAJOR change\n"
        "records: 0 added, 0 removed, 2 changed; configuration changed: variants.Caucasus\n"
        "~ a04 Mountain road closed after landslide: text\n"
        "    --- a/a04/text\n"
        "    +++ b/a04/text\n"
        "    @@ -1 +1 @@\n"
        "    -Heavy rain loosened rocks above the pass across the Caucuses and engineers expect the road to "
        "stay shut until the slope is secured.\n"
        "    +Heavy rain loosened rocks above the pass across the Caucasus and engineers expect the road to "
        "stay shut until the slope is secured.\n"
        "~ b09 Pilots trained for flights over the Caucasus: title\n"
        "    title: 'Pilots trained for flights over the Caucuses' -> 'Pilots trained for flights over the Caucasus'\n"
        "configuration: variants.Caucasus: None -> ['Caucuses']\n")
    added = CliRunner().invoke(main, ["diff", str(dist / "1.0.0"), str(dist / "1.1.0"), "--json"])
    data = json.loads(added.output)
    assert data["level"] == "MINOR" and data["records"]["unchanged"] == 5
    assert [r["id"] for r in data["records"]["added"]] == ["b06", "b07", "b08", "b09", "b10"]
    assert data["records"]["changed"] == [] and data["config"] == [] and data["software"] == []
    changed = json.loads(CliRunner().invoke(main, ["diff", str(dist / "1.1.0"), str(dist / "2.0.0"),
                                                   "--json"]).output)["records"]["changed"]
    assert [(c["id"], c["fields"]) for c in changed] == [("a04", ["text"]), ("b09", ["title"])]
    assert changed[1]["values"]["title"]["after"] == "Pilots trained for flights over the Caucasus"


def test_versions_lists_each_with_counts_and_change(releases):
    root, _ = releases
    result = CliRunner().invoke(main, ["versions", str(root / "dist" / "towns")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[:3] for line in lines[1:]] == [["1.0.0", "5", "0"], ["1.1.0", "10", "0"],
                                                        ["2.0.0", "10", "0"]]
    assert lines[2].endswith("Compared with 1.0.0: a MINOR change.")
    assert lines[3].endswith("Compared with 1.1.0: a MAJOR change.")
    assert "Initial release: 5 records" in lines[1]


def test_overstating_is_allowed_and_republishing_is_a_no_op(releases, tmp_path):
    import shutil

    root, _ = releases
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    inputs = [copy / "first.jsonl", copy / "second.jsonl"]
    lexicon = {"Caucasus": ["Caucuses"]}
    assert _publish(copy, "2.0.0", inputs, lexicon).status == "unchanged"
    assert _publish(copy, "3.0.0", inputs, lexicon).status == "published"  # a PATCH change called MAJOR
    assert (copy / "dist" / "towns" / "3.0.0" / "CHANGELOG.md").read_text().splitlines()[2] == (
        "Compared with 2.0.0: a PATCH change.")


def test_check_verifies_the_changelog(releases, tmp_path):
    import shutil

    root, _ = releases
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    folder = copy / "dist" / "towns" / "2.0.0"
    run = ["check", str(folder), "--no-load"]
    good = CliRunner().invoke(main, run)
    assert "PASS release.changelog: CHANGELOG.md matches the diff (compared with 1.1.0)" in good.output
    changelog = folder / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("changed: 2", "changed: 1"))
    bad = CliRunner().invoke(main, run)
    assert bad.exit_code == 1
    assert "FAIL release.changelog" in bad.output and "first at line 9" in bad.output


@pytest.mark.parametrize("change, level", [
    ({}, "PATCH"),
    ({"added": [{"id": "x", "title": None}]}, "MINOR"),
    ({"fields_added": ["topic"]}, "MINOR"),
    ({"provenance_only": ["x"]}, "MINOR"),
    ({"removed": [{"id": "x", "title": None}]}, "MAJOR"),
    ({"fields_removed": ["url"]}, "MAJOR"),
    ({"fields_retyped": ["provenance"]}, "MAJOR"),
    ({"added": [{"id": "x", "title": None}], "fields_removed": ["url"]}, "MAJOR"),
])
def test_semver_rule(change, level):
    from corpuskit.release import check_number
    from corpuskit.release.diff import Diff

    diff = Diff("1.2.3", "1.2.4", **change)
    assert diff.level == level
    for new, made in (("1.2.4", "PATCH"), ("1.3.0", "MINOR"), ("2.0.0", "MAJOR")):
        diff.new_version = new
        understated = ["PATCH", "MINOR", "MAJOR"].index(made) < ["PATCH", "MINOR", "MAJOR"].index(level)
        if understated:
            with pytest.raises(PublishError, match=f"understates the change from 1.2.3: a {level} change"):
                check_number(diff)
        else:
            check_number(diff)
