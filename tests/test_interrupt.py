"""Interrupted builds: never a partial version, leftovers only in the build's own folder.

SIGTERM, SIGINT (to the whole process group, as Ctrl-C does) and SIGHUP end a
build with one line and no traceback, and remove its folder. SIGKILL at random
points leaves at most the build's own ``.corpuskit-build-*`` folder, which the
next build removes; that build's output is byte-identical to an uninterrupted
one. A few kills run in CI; ``CORPUSKIT_SLOW=1`` runs 30 (and rebuilds after each).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import load_generate, tree_digests

SLOW = bool(os.environ.get("CORPUSKIT_SLOW"))
KILLS = 30 if SLOW else 3

CONFIG = """\
name = "kill"
version = "1.0.0"
inputs = ["in"]
[[pipeline]]
step = "fix_encoding"
[[pipeline]]
step = "normalize_whitespace"
[[pipeline]]
step = "strip_boilerplate"
"""


def _generate():
    return load_generate()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kill")
    (folder / "in").mkdir()
    _generate().write_jsonl(folder / "in" / "news.jsonl", 2000, seed=3, pool=False)
    (folder / "corpuskit.toml").write_text(CONFIG)
    (folder / "dist" / "kill" / ".tmp-keep").mkdir(parents=True)
    (folder / "dist" / "kill" / ".tmp-keep" / "keep.txt").write_text("the user's")
    return folder


def _start(project: Path, out: str, workers: int = 2, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "corpuskit", "build", "-q", "--workers", str(workers),
                             "--out", out], cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture(scope="module")
def reference(project) -> tuple[dict, float]:
    """An uninterrupted build's files, and how long it took."""
    started = time.monotonic()
    child = _start(project, "ref/1.0.0")
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    return tree_digests(project / "ref" / "1.0.0"), time.monotonic() - started


def _leftovers(parent: Path) -> list[str]:
    return sorted(n for n in os.listdir(parent) if n not in ("1.0.0", ".tmp-keep")) if parent.exists() else []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_ends_the_build_with_one_line_and_removes_its_folder(project, reference, signum):
    out = project / "dist" / "kill" / "1.0.0"
    # its own session: the signal goes to the whole group, workers included, as Ctrl-C does
    child = _start(project, str(out), start_new_session=True)
    _wait_until_building(out, child)
    os.killpg(child.pid, signum)
    _, err = child.communicate(timeout=120)
    if child.returncode == 0:
        pytest.skip("the build finished before the signal")  # a very fast machine
    assert child.returncode == 128 + signum, err
    assert err.strip().splitlines() == [
        f"Error: interrupted ({signal.Signals(signum).name}); stopped cleanly: nothing was published "
        "and no partial output was left"], err
    assert not out.exists()
    assert _leftovers(out.parent) == []
    assert (out.parent / ".tmp-keep" / "keep.txt").exists()


def test_sigterm_to_the_parent_alone_stops_the_workers_too(project, reference):
    out = project / "dist" / "kill" / "1.0.0"
    child = _start(project, str(out))
    _wait_until_building(out, child)
    workers = _children(child.pid)
    child.send_signal(signal.SIGTERM)  # what `timeout` does
    _, err = child.communicate(timeout=120)
    if child.returncode == 0:
        pytest.skip("the build finished before the signal")
    assert child.returncode == 143 and "Traceback" not in err, err
    assert not out.exists() and _leftovers(out.parent) == []
    deadline = time.monotonic() + 10
    while any(_runs(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _runs(pid)]  # no orphaned workers


def _wait_until_building(out: Path, child: subprocess.Popen) -> None:
    """Until the build has spilled its first cleaned records (mid-build, whatever the machine's speed).

    A signal sent before that would test Python's start-up, not the build: on a loaded
    machine that gave exit -15 instead of 143. So the test never signals early: it skips
    when the build ended first and fails when it never got going."""
    spill = out.parent / f".corpuskit-build-{out.name}" / "spill" / "records.arrows"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if spill.stat().st_size > 0:
                return
        except OSError:
            pass
        if child.poll() is not None:
            pytest.skip(f"the build ended (exit {child.returncode}) before it was seen spilling")
        time.sleep(0.01)
    child.kill()
    pytest.fail("the build spilled nothing within 300 s")


def _children(pid: int) -> list[int]:
    ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in ps.stdout.split()]


def _runs(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in (b"Z", b"X")


def test_sigkill_at_random_points_never_leaves_a_partial_version(project, reference):
    digests, seconds = reference
    out = project / "dist" / "kill" / "1.0.0"
    rng = random.Random(13)
    outcomes = {"killed": 0, "finished": 0, "left a folder": 0, "published before the kill": 0}
    for _ in range(KILLS):
        if out.exists():
            import shutil

            shutil.rmtree(out)  # a fresh start for the next kill (as a user would after the test)
        child = _start(project, str(out), workers=rng.choice([1, 2]), start_new_session=True)
        time.sleep(rng.uniform(0.05, seconds * 1.1))
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate(timeout=60)
        outcomes["finished" if child.returncode == 0 else "killed"] += 1
        outcomes["left a folder"] += bool(_leftovers(out.parent))
        outcomes["published before the kill"] += out.exists()
        # never a partial version: the target is absent or complete
        if out.exists():
            assert tree_digests(out) == digests
        # leftovers only in the build's own folder (or the fresh one it was renaming into place)
        assert all(name.startswith(".corpuskit-build-1.0.0") for name in _leftovers(out.parent)), \
            _leftovers(out.parent)
        assert (out.parent / ".tmp-keep" / "keep.txt").exists()
        if SLOW:
            _rebuild_and_compare(project, out, digests)
    _rebuild_and_compare(project, out, digests)
    print(f"SIGKILL outcomes over {KILLS} runs: {outcomes}")  # shown with -s
    assert outcomes["killed"] >= 1, outcomes


def _rebuild_and_compare(project: Path, out: Path, digests: dict) -> None:
    child = _start(project, str(out))
    _, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    assert tree_digests(out) == digests
    assert _leftovers(out.parent) == []  # the next build removed what the killed one left
    assert (out.parent / ".tmp-keep" / "keep.txt").exists()


def test_concurrent_builds_same_version_one_fails_at_once_other_versions_side_by_side(project, reference):
    (project / "v101.toml").write_text(CONFIG.replace('version = "1.0.0"', 'version = "1.0.1"'))
    parent = project / "dist" / "kill"
    for name in ("1.0.0", "1.0.1"):
        if (parent / name).exists():
            import shutil

            shutil.rmtree(parent / name)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    first = _start(project, str(parent / "1.0.0"))
    other = subprocess.Popen([sys.executable, "-m", "corpuskit", "build", "-q", "--workers", "1",
                              "--config", "v101.toml"], cwd=project, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (parent / ".corpuskit-build-1.0.0").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = _start(project, str(parent / "1.0.0"))
    _, err = second.communicate(timeout=120)
    first_err = first.communicate(timeout=600)[1]
    other_err = other.communicate(timeout=600)[1]
    if first.returncode == 0 and "another build" not in err:
        assert second.returncode == 0  # the first had finished already: the second found it unchanged
    else:
        assert second.returncode == 1, err
        assert err.strip().splitlines() == [line for line in err.strip().splitlines() if "another build" in line]
        assert "is running (pid " in err
    assert first.returncode == 0, first_err
    assert other.returncode == 0, other_err
    assert tree_digests(parent / "1.0.0") == reference[0]
    assert (parent / "1.0.1" / "manifest.json").exists()
    assert _leftovers(parent) == ["1.0.1"]
    assert (parent / ".tmp-keep" / "keep.txt").exists()
