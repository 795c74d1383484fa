"""``push``: one published version to a Hugging Face dataset repository.

A version goes up as exactly one commit that makes the repository's files the
version folder's files (added or replaced, and files of an earlier version that
this one no longer has deleted), tagged ``v<version>`` so users can pin it::

    load_dataset("<repo>", revision="v<version>")

A tag that already exists is never moved: if it holds the same files the push
is a no-op, otherwise it is refused. Each push is recorded in a push log beside
the version folder (``<version>.push.jsonl``), never inside it: published
folders are immutable.

``huggingface_hub`` is an optional extra (``pip install 'corpuskit[hub]'``);
``api`` lets tests pass a fake with the same methods.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field

from corpuskit.errors import PublishError

KEEP_ON_HUB = (".gitattributes",)  # repository files a push never deletes


@dataclass
class PushResult:
    repo: str
    tag: str
    files: list[tuple[str, int]]  # (path, bytes) uploaded or to upload
    deleted: list[str] = field(default_factory=list)
    commit: str | None = None
    status: str = "dry-run"  # "pushed", "unchanged" or "dry-run"
    log: str | None = None


def local_files(folder: str) -> list[tuple[str, int]]:
    """Every file of the version folder as ``(relative path, bytes)``, sorted."""
    out = []
    for directory, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            out.append((os.path.relpath(path, folder).replace(os.sep, "/"), os.path.getsize(path)))
    return sorted(out)


def git_blob_id(path: str) -> str:
    """The git object id of a file (what the Hub reports for files not stored in LFS)."""
    with open(path, "rb") as handle:
        data = handle.read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _same_content(folder: str, remote: dict) -> bool:
    """Whether the remote files (path -> RepoFile) are exactly the folder's files."""
    from corpuskit.publish.manifest import sha256_file

    local = {rel for rel, _ in local_files(folder)}
    if set(remote) - set(KEEP_ON_HUB) != local:
        return False
    for rel in local:
        item, path = remote[rel], os.path.join(folder, rel)
        lfs = getattr(item, "lfs", None)
        if lfs is not None:
            if (lfs.get("sha256") if isinstance(lfs, dict) else lfs.sha256) != sha256_file(path):
                return False
        elif item.blob_id != git_blob_id(path):
            return False
    return True


def _remote_files(api, repo: str, revision: str) -> dict:
    return {item.path: item for item in api.list_repo_tree(repo, recursive=True, revision=revision,
                                                           repo_type="dataset")
            if hasattr(item, "blob_id")}


def _version(folder: str) -> str:
    from corpuskit.publish.manifest import read_manifest

    try:
        return str(read_manifest(folder)["version"])
    except (OSError, ValueError, KeyError):
        raise PublishError(f"{folder}: not a published version folder (no readable manifest.json)") from None


def _recorded_repo(folder: str) -> str | None:
    from corpuskit.publish.manifest import read_manifest

    return (read_manifest(folder).get("config") or {}).get("hub_repo")


def push(folder: str, repo: str, *, private: bool = False, dry_run: bool = False, api=None) -> PushResult:
    """Upload the version folder ``folder`` to the dataset repository ``repo`` as one tagged commit."""
    folder = os.path.abspath(folder)
    version = _version(folder)
    recorded = _recorded_repo(folder)
    if recorded and recorded != repo:
        raise PublishError(f"the card of {os.path.basename(folder)} tells users to load it from {recorded}, "
                           f"not {repo}: push to {recorded}, or set hub_repo and publish a new version")
    tag = f"v{version}"
    result = PushResult(repo=repo, tag=tag, files=local_files(folder))
    if dry_run:
        return result
    api = api or _api()
    try:
        return _push(api, folder, repo, version, tag, private, result)
    except PublishError:
        raise
    except Exception as exc:  # noqa: BLE001 - any Hub/network failure is one line for the user
        raise PublishError(f"push to {repo} failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}; "
                           "nothing was tagged (check the repository id, your token, the network)") from None


def _api():
    from corpuskit.errors import require

    hub = require("huggingface_hub", "corpuskit push", "corpuskit[hub]")
    return hub.HfApi()


def _push(api, folder, repo, version, tag, private, result: PushResult) -> PushResult:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
    tags = {ref.name for ref in api.list_repo_refs(repo, repo_type="dataset").tags}
    if tag in tags:
        if _same_content(folder, _remote_files(api, repo, tag)):
            result.status = "unchanged"
            return result
        raise PublishError(f"tag {tag} already exists on {repo} with other content; a pushed version "
                           "is never replaced: publish a new version and push that")
    remote = _remote_files(api, repo, "main") if _has_main(api, repo) else {}
    local = {rel for rel, _ in result.files}
    result.deleted = sorted(p for p in remote if p not in local and p not in KEEP_ON_HUB)
    operations = [CommitOperationAdd(path_in_repo=rel, path_or_fileobj=os.path.join(folder, rel))
                  for rel, _ in result.files]
    operations += [CommitOperationDelete(path_in_repo=rel) for rel in result.deleted]
    info = api.create_commit(repo, operations, commit_message=f"corpuskit: publish version {version}",
                             repo_type="dataset", revision="main")
    api.create_tag(repo, tag=tag, revision=info.oid, tag_message=f"version {version}", repo_type="dataset")
    result.commit, result.status = info.oid, "pushed"
    result.log = _log(folder, result, private)
    return result


def _has_main(api, repo: str) -> bool:
    return any(ref.name == "main" for ref in api.list_repo_refs(repo, repo_type="dataset").branches)


def log_path(folder: str) -> str:
    """The push log beside a version folder: ``dist/<name>/<version>.push.jsonl``."""
    folder = os.path.normpath(folder)
    return os.path.join(os.path.dirname(folder), os.path.basename(folder) + ".push.jsonl")


def _log(folder: str, result: PushResult, private: bool) -> str:
    path = log_path(folder)
    entry = {"repo": result.repo, "tag": result.tag, "commit": result.commit, "private": private,
             "files": len(result.files), "deleted": result.deleted,
             "pushed_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")
    return path
