"""`build`: the seed digest becomes a published, loadable, reproducible dataset."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile

import pyarrow.parquet as pq
import pytest

from corpuskit._build import build
from corpuskit.config import load_config
from corpuskit.errors import PublishError
from corpuskit.release import RELEASE_FILES
from corpuskit.release.content import compare_content, software_differences
from corpuskit.steps.encoding import FixEncoding

from helpers import DIST, ROOT, copy_project, tree_digests

NAME, VERSION = "nagorno-karabakh-2020", "1.1.0"
COMMITTED = DIST / NAME / VERSION


def _rows(folder, sub="data"):
    rows = []
    for shard in sorted((folder / sub).glob("*.parquet")):
        rows.extend(pq.read_table(shard).to_pylist())
    return rows


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The default dataset built from a copy of the project (1 worker)."""
    root = tmp_path_factory.mktemp("project")
    copy_project(root)
    config = load_config(root=str(root))
    result = build(config, workers=1)
    return root, result


def test_seed_becomes_five_records(built):
    root, result = built
    folder = root / "dist" / NAME / VERSION
    assert result.status == "published" and result.rows == 5 and result.removed == 5
    rows = _rows(folder)
    assert [r["title"] for r in rows] == [
        "VoA: Turkey Vows Support for Azerbaijan in Escalating Nagorno-Karabakh Conflict",
        "Turkish Drones Over Nagorno-Karabakh—And Other Updates From A Day-Old War",
        "Renewed Azerbaijan/Armenia conflict a new threat to Russia’s delicate balancing act with key player Turkey",
        "Spain Calls for Ceasefire Between Armenia and Azerbaijan",
        "Trump Says U.S. Will Seek to Stop Violence Between Armenia, Azerbaijan",
    ]
    assert [r["outlet"] for r in rows] == ["Voice of America", "Forbes", "RT – Russia Today", "US News", "US News"]
    assert {r["date"] for r in rows} == {"2020-09-28"}
    assert [r["author"] for r in rows] == ["Dorian Jones", None, None, None, None]
    assert {r["language"] for r in rows} == {"en"}


def test_cleaned_text_keeps_typography_and_loses_variants_and_boilerplate(built):
    root, _ = built
    rows = _rows(root / "dist" / NAME / VERSION)
    everything = json.dumps(rows, ensure_ascii=False)
    assert "Nargono" not in everything.replace('"detail": "Nargono -> Nagorno"', "")
    for row in rows:
        for field in ("title", "text"):
            assert "Nargono" not in row[field] and "Nagorny" not in row[field]
            assert "\u00a0" not in row[field] and "\u202f" not in row[field]
        assert "(Reporting by" not in row["text"]
        assert "Watch all videos at" not in row["text"] and "READ MORE" not in row["text"]
        assert "\n\n\n" not in row["text"]
    forbes = rows[1]
    assert "’" in forbes["text"] and "“winning”" in forbes["text"]
    assert forbes["url"].startswith("https://www.forbes.com/sites/sebastienroblin/2020/09/28/")
    assert "fbclid" not in forbes["url"]


def test_provenance_spans_contain_the_title(built):
    root, _ = built
    for row in _rows(root / "dist" / NAME / VERSION):
        prov = row["provenance"]
        source = root / prov["source_path"]
        data = source.read_bytes()
        assert hashlib.sha256(data).hexdigest() == prov["source_sha256"]
        lines = data.decode("utf-8").split("\n")[prov["start_line"] - 1:prov["end_line"]]
        assert row["title"] in "\n".join(lines)
        assert data[prov["start_byte"]:prov["end_byte"]].decode("utf-8").startswith(row["title"])
        assert len(prov["merged"]) == 1  # every seed article has one exact copy
        copy = prov["merged"][0]
        assert copy["match"] == "exact" and copy["id"] == row["id"] + "-2"
        assert data[copy["start_byte"]:copy["end_byte"]].decode("utf-8").startswith(row["title"])
        assert "dedup" in prov["steps"]
        for edit in prov["edits"]:
            assert edit["step"] in prov["steps"]


def test_removed_copies_are_inspectable_with_reason(built):
    root, _ = built
    removed = _rows(root / "dist" / NAME / VERSION, "removed")
    kept = {r["id"] for r in _rows(root / "dist" / NAME / VERSION)}
    assert len(removed) == 5
    for row in removed:
        assert row["removed"]["reason"] == "duplicate"
        assert row["removed"]["duplicate_of"] in kept


def test_manifest_and_card(built):
    root, _ = built
    folder = root / "dist" / NAME / VERSION
    manifest = json.loads((folder / "manifest.json").read_text())
    files = {f["path"]: f for f in manifest["files"]}
    assert set(files) - {"stats.png"} == {"README.md", "corpuskit.toml", "DATA-NOTICE.md", "data/train-00000-of-00001.parquet",
                          "removed/train-00000-of-00001.parquet"}
    for path, entry in files.items():
        data = (folder / path).read_bytes()
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["rows"] == {"default": 5, "removed": 5}
    assert manifest["inputs"][0]["path"] == "seeds/000_cfc82215a48762bb.txt"
    assert set(manifest["software"]) == {"corpuskit", "ftfy", "langdetect", "py3langid", "charset-normalizer", "datasets",
                                         "pyarrow", "matplotlib", "python"}
    assert [s["step"] for s in manifest["config"]["pipeline"]][-1] == "dedup"
    card = (folder / "README.md").read_text()
    front = card.split("---\n")[1]
    import yaml

    meta = yaml.safe_load(front)
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": "data/train-00000-of-00001.parquet"}]
    assert meta["size_categories"] == ["n<1K"] and meta["license"] == "other" and meta["language"] == ["en"]
    # a custom licence is named and linked (Hub card spec); the linked notice ships beside the card
    assert (meta["license_name"], meta["license_link"]) == ("press-digest-research-only", "DATA-NOTICE.md")
    assert (folder / "DATA-NOTICE.md").read_bytes() == (root / "DATA-NOTICE.md").read_bytes()
    assert meta["dataset_info"][0]["splits"][0]["num_examples"] == 5
    for heading in ("## Summary", "## Sources", "## How it was cleaned", "## Fields", "## How to load",
                    "## Limitations"):
        assert heading in card
    assert "| `dedup` | 10 | 5 | 5 | duplicate: 5 |" in card


def test_rebuild_of_identical_content_changes_nothing(built):
    root, _ = built
    folder = root / "dist" / NAME / VERSION
    before = tree_digests(folder)
    mtime = os.stat(folder / "manifest.json").st_mtime_ns
    again = build(load_config(root=str(root)), workers=1)
    assert again.status == "unchanged"
    assert tree_digests(folder) == before
    assert os.stat(folder / "manifest.json").st_mtime_ns == mtime
    assert not [n for n in os.listdir(folder.parent) if n.startswith(".")]


def test_publishing_different_content_under_the_same_version_is_refused(built, tmp_path):
    root, _ = built
    folder = root / "dist" / NAME / VERSION
    before = tree_digests(folder)
    (root / "corpuskit.toml").write_text(
        (root / "corpuskit.toml").read_text().replace('"Caucasus" = ["Caucuses"]\n', ""))
    try:
        with pytest.raises(PublishError, match="already published with different content.*raise 'version'"):
            build(load_config(root=str(root)), workers=1)
    finally:
        (root / "corpuskit.toml").write_text((ROOT / "corpuskit.toml").read_text())
    assert tree_digests(folder) == before
    assert not [n for n in os.listdir(folder.parent) if n.startswith(".")]


def test_failed_build_leaves_nothing_behind(project, monkeypatch):
    def explode(self, record):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(FixEncoding, "apply", explode)
    with pytest.raises(RuntimeError):
        build(load_config(root=str(project)), workers=1)
    parent = project / "dist" / NAME
    assert not (parent / VERSION).exists()
    assert not parent.exists() or os.listdir(parent) == []  # parents it made are removed too


def test_worker_count_does_not_change_the_bytes(built, tmp_path):
    root, _ = built
    out = tmp_path / "two-workers"
    build(load_config(root=str(root)), out=str(out), workers=2)
    assert tree_digests(out) == tree_digests(root / "dist" / NAME / VERSION)


def test_fresh_build_reproduces_the_committed_dataset_byte_for_byte(tmp_path):
    assert COMMITTED.is_dir(), "the default dataset must be committed under dist/"
    out = tmp_path / VERSION
    build(load_config(root=str(ROOT)), out=str(out), workers=1)
    # the build outputs; release files (CHANGELOG.md, croissant.json) came after 1.0.0 (check.release)
    built = tree_digests(out)
    assert (out / "CHANGELOG.md").read_text().startswith("# Changelog: Nagorno-Karabakh war press digest")
    committed = tree_digests(COMMITTED)
    for name in RELEASE_FILES:  # they relate a version to its neighbours, which tmp_path lacks
        del built[name]
        committed.pop(name, None)
    recorded = json.loads((COMMITTED / "manifest.json").read_text())["software"]
    if software_differences(recorded):  # other software: the same records, not the same bytes
        assert compare_content(str(COMMITTED), str(out)) == []
        assert set(built) - {"stats.png"} == set(committed) - {"stats.png"}
    else:
        assert built == committed


def test_committed_dataset_loads_offline_with_datasets():
    from datasets import load_dataset

    with tempfile.TemporaryDirectory() as cache:
        ds = load_dataset(str(COMMITTED), cache_dir=cache)
        train = ds["train"]
        assert train.num_rows == 5
        assert train[0]["author"] == "Dorian Jones" and train[1]["author"] is None
        merged = train.features["provenance"]["merged"]  # datasets 3.x: a one-item list; 4+: List
        assert (merged[0] if isinstance(merged, list) else merged.feature)["similarity"].dtype == "float64"
        removed = load_dataset(str(COMMITTED), "removed", cache_dir=cache)["train"]
        assert removed.num_rows == 5


def test_card_states_statistics_an_example_and_a_citation(built):
    root, _ = built
    card = (root / "dist" / NAME / VERSION / "README.md").read_text()
    rows = _rows(root / "dist" / NAME / VERSION)
    words = sorted(len(r["text"].split()) for r in rows)
    assert "- records: 5\n" in card
    assert (f"- words per article: median {words[2]}, p10 {words[0]}, p25 {words[1]}, p75 {words[3]}, "
            f"p90 {words[4]}; shortest {words[0]}, longest {words[4]}; {sum(words)} in all") in card
    assert "- dates: 2020-09-28 to 2020-09-28\n" in card and "- languages: en 5\n" in card
    assert "- outlets (4): US News 2, Forbes 1, RT – Russia Today 1, Voice of America 1\n" in card
    example = card.split("```json\n", 1)[1].split("\n```", 1)[0]
    shown = json.loads(example)
    assert shown["id"] == rows[0]["id"] and shown["text"].endswith(" …")
    assert rows[0]["text"].startswith(shown["text"][:-2])
    assert "```bibtex\n@misc{nagorno_karabakh_2020_1_1_0,\n" in card


def test_card_picture_is_drawn_with_matplotlib_and_referenced(built):
    pytest.importorskip("matplotlib")
    root, _ = built
    folder = root / "dist" / NAME / VERSION
    assert (folder / "stats.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![Words per article and articles per day](stats.png)" in (folder / "README.md").read_text()
