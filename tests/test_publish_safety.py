"""Publishing: the gate runs before the rename, relaxations are recorded, one build per
version, empty texts are removed with a reason, and the gate trusts no symlink or
recorded path."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpuskit._build import build
from corpuskit._check import run_checks
from corpuskit.cli import main
from corpuskit.config import load_config
from corpuskit.errors import PublishError
from corpuskit.publish.workspace import BuildFolder, sweep

CONFIG = """\
name = "safe"
version = "1.0.0"
inputs = ["in"]
[[pipeline]]
step = "normalize_whitespace"
[check]
min_chars = 1
"""


def _article(n: int, **extra) -> str:
    record = {"id": f"a{n}", "title": f"Title {n}", "text": f"Article {n} body " + " ".join(f"w{n}{i}" for i in range(10))}
    record.update(extra)
    return json.dumps(record) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text(_article(1) + _article(2) + _article(3, text=" \n ") + _article(4, text=""))
    (tmp_path / "corpuskit.toml").write_text(CONFIG)
    return tmp_path


def _config(project: Path, extra: str = "", min_chars: int = 1):
    (project / "corpuskit.toml").write_text(CONFIG.replace("min_chars = 1", f"min_chars = {min_chars}") + extra)
    return load_config(root=str(project))


def test_empty_texts_are_removed_with_a_reason_not_published(project):
    result = build(_config(project), workers=1)
    assert (result.rows, result.removed) == (2, 2)
    removed = pq.read_table(Path(result.folder) / "removed").to_pylist()
    assert sorted(r["id"] for r in removed) == ["a3", "a4"]
    assert {r["removed"]["reason"] for r in removed} == {"empty_text"}
    manifest = json.loads((Path(result.folder) / "manifest.json").read_text())
    assert manifest["removed_by_reason"] == {"empty_text": 2}
    assert "gate" not in manifest  # nothing relaxed, nothing recorded
    assert "Relaxed quality checks" not in (Path(result.folder) / "README.md").read_text()


def test_text_emptied_by_cleaning_is_removed_too(project):
    (project / "in" / "a.jsonl").write_text(_article(1) + _article(2, text="\u200b\u200b"))
    result = build(_config(project), workers=1)
    assert (result.rows, result.removed) == (1, 1)


def test_a_gate_failure_publishes_nothing_and_names_every_failing_check(project):
    (project / "in" / "a.jsonl").write_text(json.dumps({"id": "x", "text": "short"}) + "\n")
    config = _config(project, min_chars=100)
    with pytest.raises(PublishError) as info:
        build(config, workers=1)
    lines = str(info.value).splitlines()
    assert "nothing was published" in lines[0]
    assert sorted(line.split()[1].rstrip(":") for line in lines[1:]) == ["records.min_chars", "records.required"]
    assert not (project / "dist" / "safe").exists()


def test_relaxed_checks_are_recorded_in_the_manifest_and_card_and_honoured_by_check(project):
    (project / "in" / "a.jsonl").write_text(json.dumps({"id": "x", "text": "short"}) + "\n")
    config = _config(project, 'skip = ["records.min_chars", "records.required"]\n', min_chars=100)
    result = build(config, workers=1)
    folder = Path(result.folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["gate"] == {"relaxed": {"skip": ["records.min_chars", "records.required"]}}
    card = (folder / "README.md").read_text()
    assert "## Relaxed quality checks" in card and "`records.min_chars`" in card
    report = run_checks(str(folder), load=False, root=str(project))
    assert report.ok
    assert report.get("records.min_chars").status == "skip"


def test_an_empty_result_is_an_error_unless_allowed(project):
    (project / "in" / "a.jsonl").write_text(_article(1, text=""))
    with pytest.raises(PublishError, match="no records to publish.*empty_text 1"):
        build(_config(project), workers=1)
    result = build(_config(project, "allow_empty = true\n"), workers=1)
    assert result.rows == 0
    manifest = json.loads((Path(result.folder) / "manifest.json").read_text())
    assert manifest["gate"] == {"relaxed": {"allow_empty": True}}
    report = run_checks(result.folder, root=str(project))  # datasets cannot load an empty split: a warning
    assert report.ok and report.get("loads").status == "warn"


def test_the_gate_fails_an_empty_version_without_allow_empty(project):
    (project / "in" / "a.jsonl").write_text(_article(1, text=""))
    folder = Path(build(_config(project, "allow_empty = true\n"), workers=1).folder)
    report = run_checks(str(folder), load=False, root=str(project), only=["files.counts"])
    assert report.ok
    # the same folder, judged without the recorded relaxation, fails: emptiness is never silent
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["config"]["check"]["allow_empty"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    report = run_checks(str(folder), load=False, root=str(project), only=["files.counts"])
    assert not report.ok and "allow_empty" in report.get("files.counts").line()


def test_a_second_build_of_the_same_version_fails_at_once_and_others_build_beside_it(project):
    config = _config(project)
    target = os.path.join(project, "dist", "safe", "1.0.0")
    os.makedirs(os.path.dirname(target))
    holder = BuildFolder(target).acquire()  # a build of 1.0.0 in progress (this process is alive)
    try:
        with pytest.raises(PublishError, match="another build of .*1.0.0 is running"):
            build(config, workers=1)
        other = build(config, out=os.path.join(project, "dist", "safe", "1.0.1-rc"), workers=1)
        assert other.status == "published"
        assert os.path.isdir(holder.path)  # the other build left the live folder alone
    finally:
        holder.release()
    assert not os.path.exists(holder.path)
    assert build(config, workers=1).status == "published"


def test_sweep_removes_only_folders_whose_lock_proves_a_dead_owner(tmp_path):
    dead = tmp_path / ".corpuskit-build-0.1.0"
    dead.mkdir()
    (dead / "lock").write_text(json.dumps({"pid": 2 ** 22 + 7, "start": "1", "token": "t", "target": "x"}))
    garbage = tmp_path / ".corpuskit-build-0.2.0"
    garbage.mkdir()
    (garbage / "lock").write_text("{}")
    for name in (".tmp-notes", ".tmp-1.0.0-1", ".tmp-spill-abc"):
        (tmp_path / name).mkdir()
    link = tmp_path / ".corpuskit-build-0.3.0"
    os.symlink(dead, link)
    assert sweep(str(tmp_path)) == [str(dead)]
    assert sorted(os.listdir(tmp_path)) == [".corpuskit-build-0.2.0", ".corpuskit-build-0.3.0", ".tmp-1.0.0-1",
                                            ".tmp-notes", ".tmp-spill-abc"]


def _published(project: Path) -> Path:
    return Path(build(_config(project), workers=1).folder)


def test_check_fails_a_symlinked_folder_inside_a_version(project):
    folder = _published(project)
    (project / "elsewhere").mkdir()
    (project / "elsewhere" / "extra.parquet").write_bytes(b"x")
    os.symlink(project / "elsewhere", folder / "hidden")
    result = run_checks(str(folder), load=False, root=str(project)).get("files.inventory")
    assert result.status == "fail" and "hidden: a symbolic link (folder" in result.line()


def test_check_fails_a_data_file_replaced_by_a_symlink_to_an_identical_copy(project):
    folder = _published(project)
    data = next((folder / "data").glob("*.parquet"))
    shutil.copy(data, project / "copy.parquet")
    data.unlink()
    os.symlink(project / "copy.parquet", data)
    report = run_checks(str(folder), load=False, root=str(project))
    assert not report.ok
    assert "a symbolic link (file" in report.get("files.inventory").line()


def test_check_fails_a_fifo_in_a_version_without_opening_it(project):
    folder = _published(project)
    os.mkfifo(folder / "data" / "train-00001-of-00002.parquet")
    report = run_checks(str(folder), load=False, root=str(project))  # would hang if it opened the FIFO
    assert "not a regular file" in report.get("files.inventory").line()


def test_rebuild_reads_no_recorded_input_outside_the_project_root(project, tmp_path_factory, monkeypatch):
    outside = tmp_path_factory.mktemp("outside")
    shutil.copy(project / "in" / "a.jsonl", outside / "a.jsonl")
    (project / "corpuskit.toml").write_text(CONFIG.replace('inputs = ["in"]', f'inputs = ["{outside}/a.jsonl"]'))
    folder = Path(build(load_config(root=str(project)), workers=1).folder)
    import corpuskit._build as build_mod

    calls = []
    real = build_mod.build
    monkeypatch.setattr(build_mod, "build", lambda *a, **k: calls.append(a) or real(*a, **k))
    result = run_checks(str(folder), load=False, rebuild=True, root=str(project)).get("reproducible")
    assert result.status == "fail" and "outside the project root" in result.line()
    assert calls == []  # nothing was read
    # a path given on the command line is allowed
    assert run_checks(str(folder), load=False, rebuild=True, root=str(project),
                      inputs=[str(outside)]).get("reproducible").status == "pass"
    assert len(calls) == 1


def test_check_rebuild_cli_accepts_input_outside_root(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside2")
    shutil.copy(project / "in" / "a.jsonl", outside / "a.jsonl")
    (project / "corpuskit.toml").write_text(CONFIG.replace('inputs = ["in"]', f'inputs = ["{outside}/a.jsonl"]'))
    folder = build(load_config(root=str(project)), workers=1).folder
    runner = CliRunner()
    refused = runner.invoke(main, ["check", folder, "--rebuild", "--no-load", "--root", str(project)])
    assert refused.exit_code == 1 and "outside the project root" in refused.output
    allowed = runner.invoke(main, ["check", folder, "--rebuild", "--no-load", "--root", str(project),
                                   "--input", str(outside)])
    assert allowed.exit_code == 0, allowed.output
