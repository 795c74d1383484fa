"""``corpuskit push``: one commit, a ``v<version>`` tag, a push log beside the folder,
and a refused tag that exists with other content; offline, against a fake Hub API."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from corpuskit._build import build
from corpuskit.cli import main
from corpuskit.config import load_config
from corpuskit.errors import PublishError
from corpuskit.publish import hub

from helpers import copy_project, ROOT, tree_digests

NAME, VERSION = "nagorno-karabakh-2020", "1.0.0"


class FakeHub:
    """The HfApi methods push uses, keeping repositories in memory like the Hub does:
    commits are snapshots of path -> bytes, parquet files are reported as LFS."""

    def __init__(self):
        self.repos: dict[str, dict] = {}
        self.calls: list[str] = []

    def create_repo(self, repo, *, repo_type, private, exist_ok):
        assert repo_type == "dataset"
        self.calls.append("create_repo")
        self.repos.setdefault(repo, {"private": private, "commits": {}, "branches": {}, "tags": {}})

    def list_repo_refs(self, repo, *, repo_type):
        state = self.repos[repo]
        ref = lambda name, oid: SimpleNamespace(name=name, ref=name, target_commit=oid)  # noqa: E731
        return SimpleNamespace(branches=[ref(n, o) for n, o in state["branches"].items()],
                               tags=[ref(n, o) for n, o in state["tags"].items()])

    def list_repo_tree(self, repo, *, recursive, revision, repo_type):
        state = self.repos[repo]
        oid = state["tags"].get(revision) or state["branches"][revision]
        for path, data in sorted(state["commits"][oid].items()):
            lfs = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} if path.endswith(".parquet") else None
            yield SimpleNamespace(path=path, size=len(data), lfs=lfs,
                                  blob_id=hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest())

    def create_commit(self, repo, operations, *, commit_message, repo_type, revision):
        self.calls.append("create_commit")
        state = self.repos[repo]
        files = dict(state["commits"].get(state["branches"].get(revision), {}))
        files.setdefault(".gitattributes", b"*.parquet filter=lfs\n")
        for op in operations:
            if type(op).__name__ == "CommitOperationDelete":
                del files[op.path_in_repo]
            else:
                with open(op.path_or_fileobj, "rb") as handle:
                    files[op.path_in_repo] = handle.read()
        oid = hashlib.sha1(repr(sorted(files.items())).encode()).hexdigest()
        state["commits"][oid] = files
        state["branches"][revision] = oid
        return SimpleNamespace(oid=oid, commit_message=commit_message)

    def create_tag(self, repo, *, tag, revision, tag_message, repo_type):
        self.calls.append("create_tag")
        state = self.repos[repo]
        assert tag not in state["tags"], "a tag is never moved"
        state["tags"][tag] = revision


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path)


def _publish(project, version=VERSION, extra=""):
    toml = re.sub(r'(?m)^version = "[^"]*"', f'version = "{version}"', (ROOT / "corpuskit.toml").read_text())
    (project / "corpuskit.toml").write_text(toml.replace("[[pipeline]]", extra + "\n[[pipeline]]", 1))
    return project / "dist" / NAME / build(load_config(root=str(project)), workers=1).folder.split("/")[-1]


def test_dry_run_lists_the_files_and_contacts_nothing(project, monkeypatch):
    folder = _publish(project)
    monkeypatch.setattr(hub, "_api", lambda: pytest.fail("dry run must not contact the Hub"))
    result = CliRunner().invoke(main, ["push", str(folder), "--repo", "me/nk", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    expected = ["CHANGELOG.md", "DATA-NOTICE.md", "README.md", "corpuskit.toml", "croissant.json", "data/train-00000-of-00001.parquet",
                "manifest.json", "removed/train-00000-of-00001.parquet"]
    expected += ["stats.png"] if (folder / "stats.png").exists() else []  # drawn when matplotlib is installed
    total = sum((folder / name).stat().st_size for name in expected)
    assert lines[0] == f"would push {len(expected)} files ({total} bytes) to me/nk as one commit, tagged v1.0.0:"
    assert [line.split()[0] for line in lines[1:]] == expected


def test_push_is_one_tagged_commit_logged_beside_the_folder(project, monkeypatch):
    folder = _publish(project, extra='hub_repo = "me/nk"\n')
    assert 'ds = load_dataset("me/nk", revision="v1.0.0")' in (folder / "README.md").read_text()
    fake = FakeHub()
    monkeypatch.setattr(hub, "_api", lambda: fake)
    before = tree_digests(folder)
    result = CliRunner().invoke(main, ["push", str(folder), "--repo", "me/nk", "--private"])
    assert result.exit_code == 0, result.output
    state = fake.repos["me/nk"]
    assert fake.calls == ["create_repo", "create_commit", "create_tag"] and state["private"]
    commit = state["tags"]["v1.0.0"]
    assert state["branches"]["main"] == commit
    assert {p: hashlib.sha256(d).hexdigest() for p, d in state["commits"][commit].items()
            if p != ".gitattributes"} == before
    log = (folder.parent / "1.0.0.push.jsonl").read_text().splitlines()
    entry = json.loads(log[0])
    assert len(log) == 1 and entry["commit"] == commit and entry["tag"] == "v1.0.0" and entry["repo"] == "me/nk"
    assert tree_digests(folder) == before  # the immutable folder is untouched
    assert f"commit {commit}, tagged v1.0.0" in result.output
    again = CliRunner().invoke(main, ["push", str(folder), "--repo", "me/nk"])
    assert again.exit_code == 0 and "already holds this version; nothing pushed" in again.output
    assert fake.calls.count("create_commit") == 1
    wrong = CliRunner().invoke(main, ["push", str(folder), "--repo", "me/other"])
    assert wrong.exit_code == 1 and "tells users to load it from me/nk, not me/other" in wrong.output


def test_a_tag_with_other_content_is_refused_and_a_new_version_replaces_files(project):
    folder = _publish(project)
    fake = FakeHub()
    hub.push(str(folder), "me/nk", api=fake)
    other = project / "elsewhere" / NAME / VERSION
    shutil.copytree(folder, other)
    (other / "CHANGELOG.md").write_text("something else\n")
    with pytest.raises(PublishError, match="tag v1.0.0 already exists on me/nk with other content"):
        hub.push(str(other), "me/nk", api=fake)
    assert list(fake.repos["me/nk"]["tags"]) == ["v1.0.0"] and fake.calls.count("create_commit") == 1
    state = fake.repos["me/nk"]
    state["commits"][state["branches"]["main"]]["notes/old.txt"] = b"from before"
    newer = _publish(project, "1.0.1")
    result = hub.push(str(newer), "me/nk", api=fake)
    assert result.deleted == ["notes/old.txt"] and sorted(state["tags"]) == ["v1.0.0", "v1.0.1"]
    assert "notes/old.txt" not in state["commits"][state["tags"]["v1.0.1"]]


def test_hub_failures_are_one_line(project):
    folder = _publish(project)

    class Down(FakeHub):
        def create_repo(self, *args, **kwargs):
            raise ConnectionError("Max retries exceeded\nwith url")

    with pytest.raises(PublishError, match=r"^push to me/nk failed: ConnectionError: Max retries exceeded; nothing"):
        hub.push(str(folder), "me/nk", api=Down())
