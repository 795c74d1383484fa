"""Explainable records: ``explain`` on every record of the committed dataset, and the
replay check (raw source -> published text) passes on it and fails on a forgery."""

from __future__ import annotations

import hashlib
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpuskit._check import run_checks
from corpuskit.cli import main
from corpuskit.release.explain import explain

from helpers import DIST, ROOT

COMMITTED = DIST / "nagorno-karabakh-2020" / "1.1.0"


def _ids(folder, sub):
    return [r["id"] for r in pq.read_table(next((folder / sub).glob("*.parquet"))).to_pylist()]


def test_explain_every_committed_record():
    seed = (ROOT / "seeds" / "000_cfc82215a48762bb.txt").read_bytes()
    for sub in ("data", "removed"):
        for rid in _ids(COMMITTED, sub):
            info = explain(str(COMMITTED), rid)
            src = info["source"]
            assert src["verified"] and src["source_sha256"] == hashlib.sha256(seed).hexdigest()
            assert info["raw"] == seed[src["start_byte"]:src["end_byte"]].decode("utf-8")
            assert info["replay"] == "matches the published record (replayed from the edit log)", rid
            assert [s["step"] for s in info["steps"]] == ["fix_encoding", "normalize_whitespace",
                                                        "strip_boilerplate", "normalize_variants",
                                                        "detect_language"]
            if sub == "removed":
                assert info["merged_into"]["id"] == info["removed"]["duplicate_of"]


def test_explain_shows_edits_with_before_and_after_and_the_merged_copy():
    info = explain(str(COMMITTED), "8988b86a857ee358")
    variants = next(s for s in info["steps"] if s["step"] == "normalize_variants")
    assert {e["detail"] for e in variants["edits"]} == {"Caucuses -> Caucasus", "Nargono -> Nagorno"}
    text = variants["changes"]["text"]
    assert "Nargono Karabakh" in text["before"] and "Nargono" not in text["after"]
    assert text["after"] == pq.read_table(COMMITTED / "data" / "train-00000-of-00001.parquet") \
        .to_pylist()[0]["text"]
    assert [(m["id"], m["match"], m["similarity"]) for m in info["merged"]] == [
        ("8988b86a857ee358-2", "exact", 1.0)]
    out = CliRunner().invoke(main, ["explain", str(COMMITTED), "8988b86a857ee358-2"])
    assert out.exit_code == 0, out.output
    assert "removed by dedup: duplicate (exact copy of 8988b86a857ee358)" in out.output
    assert "merged into 8988b86a857ee358: VoA: Turkey Vows Support" in out.output
    assert "(verified)" in out.output and "  | ISTANBUL – Turkey says" in out.output
    # whitespace edits are visible: the source's two trailing no-break spaces, then none
    assert "-Witness reports put the number of dead, including civilians, at more than 20 and at least 100 " \
           "wounded.⍽⍽\n" in out.output
    missing = CliRunner().invoke(main, ["explain", str(COMMITTED), "0000"])
    assert missing.exit_code == 1 and missing.output.startswith("Error: ") and "no record with id" in missing.output


def _replay(folder):
    return run_checks(str(folder), load=False, only=["provenance.replay"]).get("provenance.replay")


@pytest.mark.parametrize("version", ["1.0.1", "1.1.0"])  # re-running the steps; applying the logged fixes
def test_replay_passes_on_every_committed_record(version):
    result = _replay(DIST / "nagorno-karabakh-2020" / version)
    assert result.status == "pass" and result.checked == 10
    assert result.summary == "10/10 records replay from their sources to the published text"


@pytest.fixture
def copy(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(ROOT / "seeds", root / "seeds")
    folder = root / "dist" / "nagorno-karabakh-2020" / "1.1.0"
    shutil.copytree(COMMITTED, folder)
    return root, folder


def test_replay_fails_a_text_that_the_steps_do_not_produce(copy):
    _, folder = copy
    path = folder / "data" / "train-00000-of-00001.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[2]["text"] = rows[2]["text"].replace("Turkey", "Turkiye", 1)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    result = _replay(folder)
    assert result.status == "fail"
    assert [(p.item, p.reason) for p in result.problems] == [
        (rows[2]["id"], "the edit log makes text other than published")]


def test_replay_reports_records_whose_source_is_absent(copy):
    root, folder = copy
    shutil.rmtree(root / "seeds")
    result = _replay(folder)
    assert result.status == "warn" and result.checked == 0
    assert "10 record(s) cannot be replayed: source seeds/000_cfc82215a48762bb.txt not found" in \
        result.warnings[0].reason


@pytest.mark.parametrize("change", [
    lambda data: data.replace(b"Turkey", b"Turkiye", 1),  # still reads: another sha256
    lambda data: b"\xff\xfe" + data,  # no longer reads as the build read it
])
def test_replay_reports_a_changed_source_as_changed(copy, change):
    """The source's sha256 is taken from the reader's own pass over it; a changed file is
    reported by its sha256, whatever its new bytes do to the reader."""
    root, folder = copy
    seed = root / "seeds" / "000_cfc82215a48762bb.txt"
    cited = hashlib.sha256(seed.read_bytes()).hexdigest()
    seed.write_bytes(change(seed.read_bytes()))
    result = _replay(folder)
    assert result.status == "warn" and result.checked == 0
    assert result.warnings[0].reason == (
        f"10 record(s) cannot be replayed: source seeds/000_cfc82215a48762bb.txt has sha256 "
        f"{hashlib.sha256(seed.read_bytes()).hexdigest()[:12]}…, records cite {cited[:12]}…")


def test_a_changed_source_is_reported_as_changed_whatever_error_reading_it_raises(copy, monkeypatch):
    """Not only the reader's own errors: any error while reading a changed file's first record
    (here an OSError) gives way to the sha256 it has."""
    import corpuskit.readers

    root, folder = copy
    seed = root / "seeds" / "000_cfc82215a48762bb.txt"
    cited = hashlib.sha256(seed.read_bytes()).hexdigest()
    seed.write_bytes(seed.read_bytes().replace(b"Turkey", b"Turkiye", 1))

    def broken(self):
        raise OSError("a device error")
        yield  # a generator, as the reader's own

    monkeypatch.setattr(corpuskit.readers.Reader, "__iter__", broken)
    result = _replay(folder)
    assert result.status == "warn" and result.checked == 0
    assert result.warnings[0].reason.endswith(f"records cite {cited[:12]}…")
