"""The build's own folder: one per target version, owned by a lock, removed when done.

A build writes only inside ``<parent>/.corpuskit-build-<version>/`` beside its
target ``<parent>/<version>``::

    .corpuskit-build-1.0.0/
        lock              {"pid": ..., "start": ..., "token": ..., "target": ...}
        stage/1.0.0/      the version being written, renamed onto the target at the end
        spill/            cleaned records between the stages

Why this shape:

* The folder name is fixed per target, and it is taken by renaming a fresh
  folder that already holds the lock onto it (a directory rename fails when the
  name holds a non-empty folder). So a second build of the same version fails at
  once, builds of different versions run side by side, and a folder of ours
  always carries its lock.
* The lock names the owner by pid *and* process start time (from ``/proc``): a
  reused pid does not look like the old owner. A later build removes a folder
  only when its lock proves the owner dead; anything else in the parent (a
  user's ``.tmp-notes/``, another build's folder) is never touched.
* Folders are moved aside under a unique name before they are deleted, so a
  deletion never races with a build that takes the fixed name meanwhile.

The build removes its folder on every exit the process survives; the command
line turns SIGTERM, SIGINT and SIGHUP into exceptions so that it does.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat

from corpuskit.errors import PublishError

PREFIX = ".corpuskit-build-"
LOCK = "lock"


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), or None if not known.

    A zombie (killed, not yet reaped) counts as gone: it runs nothing any more.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2:].split()
    if fields[0] in (b"Z", b"X"):
        return "dead"
    return fields[19].decode()


def _has_proc() -> bool:
    return os.path.isdir(f"/proc/{os.getpid()}")


def owner_alive(lock: dict) -> bool:
    """Whether the process that wrote ``lock`` still runs (unknown counts as alive)."""
    pid, start = lock.get("pid"), lock.get("start")
    if not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # runs, as another user
    if not _has_proc():
        return True
    now = _start_time(pid)
    if now == "dead":
        return False
    return now is None or start is None or now == start


def read_lock(folder: str) -> dict | None:
    """The lock of one of our folders, or None when ``folder`` is not one (never follows links)."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return None
        fd = os.open(os.path.join(folder, LOCK), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = json.loads(os.read(fd, 4096).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    finally:
        os.close(fd)
    if isinstance(data, dict) and isinstance(data.get("token"), str) and isinstance(data.get("pid"), int):
        return data
    return None


class BuildFolder:
    """The folder a build owns; ``stage`` and ``spill`` are where it writes."""

    def __init__(self, target: str):
        self.target = target
        self.parent, self.base = os.path.split(target)
        self.path = os.path.join(self.parent, PREFIX + self.base)
        self.token = secrets.token_hex(8)
        self.lock = {"pid": os.getpid(), "start": _start_time(os.getpid()), "token": self.token,
                     "target": target}
        self.stage = os.path.join(self.path, "stage", self.base)
        self.spill = os.path.join(self.path, "spill")
        self.held = False

    def acquire(self) -> "BuildFolder":
        """Take the folder, or fail at once when another live build holds it."""
        fresh = os.path.join(self.parent, f"{PREFIX}{self.base}.{self.token}")
        os.mkdir(fresh)
        try:
            with open(os.path.join(fresh, LOCK), "x", encoding="utf-8") as handle:
                json.dump(self.lock, handle)
        except BaseException:
            _remove(fresh)
            raise
        for _ in range(5):
            try:
                os.rename(fresh, self.path)
            except OSError:
                holder = read_lock(self.path)
                if holder is None and os.path.lexists(self.path):
                    _remove(fresh)
                    raise PublishError(
                        f"{self.path} exists and is not a corpuskit build folder; "
                        "move it away to build this version") from None
                if holder is not None and owner_alive(holder):
                    _remove(fresh)
                    raise PublishError(
                        f"another build of {self.target} is running (pid {holder['pid']}); "
                        "wait for it to finish, or build another version") from None
                if holder is not None:
                    _discard(self.path, holder, self.token)
                continue
            self.held = True
            os.makedirs(self.stage)
            os.makedirs(self.spill)
            return self
        _remove(fresh)
        raise PublishError(f"could not take the build folder {self.path}; try again")

    def release(self) -> None:
        """Remove the folder (and whatever is still staged in it)."""
        if self.held:
            self.held = False
            _discard(self.path, self.lock, self.token)


def _discard(path: str, lock: dict, token: str) -> None:
    """Move ``path`` aside under a unique name, check it is the folder ``lock`` owns, delete it."""
    aside = f"{path}.{token}.gone"
    try:
        os.rename(path, aside)
    except OSError:
        return  # someone else moved or removed it
    if read_lock(aside) != lock:  # another build took the name meanwhile: give it back
        try:
            os.rename(aside, path)
        except OSError:
            pass
        return
    _remove(aside)


def _remove(path: str) -> None:
    """Delete one of our folders, its lock last: a removal cut short is still recognised
    (and finished) by a later build."""
    try:
        entries = [entry.name for entry in os.scandir(path)]
    except OSError:
        return
    for name in entries:
        if name != LOCK:
            child = os.path.join(path, name)
            if os.path.isdir(child) and not os.path.islink(child):
                shutil.rmtree(child, ignore_errors=True)
            else:
                try:
                    os.unlink(child)
                except OSError:
                    pass
    shutil.rmtree(path, ignore_errors=True)


def sweep(parent: str, keep: str | None = None) -> list[str]:
    """Remove the folders of dead builds in ``parent`` (never anything else); return them."""
    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for name in sorted(names):
        path = os.path.join(parent, name)
        if not name.startswith(PREFIX) or path == keep:
            continue
        lock = read_lock(path)
        if lock is None or owner_alive(lock):
            continue
        _discard(path, lock, secrets.token_hex(8))
        if not os.path.lexists(path):
            removed.append(path)
    return removed


def check_target(target: str, inputs: list[str]) -> None:
    """Refuse, before any work, an output path that publishing could not use safely.

    ``target`` is absolute; ``inputs`` are the input trees (folders, files, the
    fixed part of globs). Publishing never writes through a symlink, never into
    an input tree (the next build would read the version back as input), and
    every part of the path must be a folder that can be written.
    """
    if os.path.islink(target):
        raise PublishError(f"--out {target} is a symbolic link; publishing never writes through "
                           "a symlink: give the real folder")
    if os.path.islink(os.path.dirname(target)):
        raise PublishError(f"--out {target}: {os.path.dirname(target)} is a symbolic link; publishing "
                           "never writes through a symlink: give the real folder")
    if os.path.lexists(target) and not os.path.isdir(target):
        raise PublishError(f"--out {target} exists and is not a folder; choose another --out")
    existing = os.path.dirname(target)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise PublishError(f"--out {target}: {existing} is a file, not a folder; choose another --out")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PublishError(f"--out {target}: cannot write in {existing} (permission denied); "
                           "choose a writable --out")
    real = os.path.join(os.path.realpath(existing), os.path.relpath(target, existing))
    for item in inputs:
        tree = os.path.realpath(item)
        if _inside(real, tree):
            raise PublishError(f"--out {target} is inside the input {item}; the next build would "
                               "read the published files as input: publish outside the inputs")
        if _inside(tree, real):
            raise PublishError(f"the input {item} is inside --out {target}; publish elsewhere")


def _inside(path: str, tree: str) -> bool:
    try:
        return os.path.commonpath([path, tree]) == tree
    except ValueError:  # different drives
        return False


def make_parents(folder: str) -> list[str]:
    """Create ``folder`` and missing parents; return those created, deepest first."""
    created = []
    current = folder
    while not os.path.lexists(current):
        created.append(current)
        current = os.path.dirname(current)
    for path in reversed(created):
        os.mkdir(path)
    return created


def remove_empty(folders: list[str]) -> None:
    """Remove folders ``make_parents`` created if they are still empty (deepest first)."""
    for path in folders:
        try:
            os.rmdir(path)
        except OSError:
            return


def input_trees(items, root: str | None) -> list[str]:
    """The folders and files the inputs name (a glob's fixed leading folders), for ``--out`` checks."""
    trees = []
    for item in items:
        path = item if root is None or os.path.isabs(item) else os.path.join(root, item)
        if any(ch in path for ch in "*?["):
            fixed = []
            for part in path.split(os.sep):
                if any(ch in part for ch in "*?["):
                    break
                fixed.append(part)
            path = os.sep.join(fixed) or os.sep
        trees.append(os.path.abspath(path))
    return trees


def publish(staging: str, target: str) -> str:
    """Rename the staged version onto ``target`` in one step (never through a symlink);
    ``"published"``, or ``"unchanged"`` when ``target`` already holds the same files."""
    from corpuskit.publish.manifest import tree_digests

    if os.path.islink(target):
        raise PublishError(f"{target} is a symbolic link; publishing never writes through a symlink")
    if os.path.isdir(target) and not os.listdir(target):
        os.rmdir(target)  # an empty folder made for us (e.g. by mkdtemp) is not a version
    if os.path.exists(target):
        if tree_digests(staging) == tree_digests(target):
            return "unchanged"
        raise PublishError(
            f"{target} is already published with different content; published versions "
            "are immutable: raise 'version' in the configuration to publish the change"
        )
    try:
        os.rename(staging, target)
    except OSError as exc:
        raise PublishError(f"{target}: cannot publish ({exc.strerror}); it appeared while building, "
                           "or the folder is not writable") from None
    return "published"
