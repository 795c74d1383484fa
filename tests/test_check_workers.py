"""The gate's per-record pass on worker processes: a worker that dies is an error (never a
hang), and an interrupted build stops its gate workers and publishes nothing.

(That the report is the same for any number of workers and batch size is tested in
``test_check.py``.)
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpuskit._check.scan import RecordScan
from helpers import load_generate

CONFIG = """\
name = "gate"
version = "1.0.0"
inputs = ["in"]
[[pipeline]]
step = "fix_encoding"
[[pipeline]]
step = "strip_boilerplate"
[[pipeline]]
step = "dedup"
"""


class DiesInAWorker(RecordScan):
    """Kills the worker process that scans a batch (as the kernel's OOM killer would)."""

    name, columns = "records.dies", ("id",)

    def scan(self, records, start):
        if multiprocessing.parent_process() is not None:
            os._exit(3)
        return len(records)

    def add(self, part) -> None:
        self.result.checked += part


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    generate = load_generate()
    folder = tmp_path_factory.mktemp("gate-workers")
    (folder / "in").mkdir()
    generate.write_jsonl(folder / "in" / "news.jsonl", 3000, seed=5, pool=False)
    (folder / "corpuskit.toml").write_text(CONFIG)
    return folder


@pytest.fixture(scope="module")
def built(project) -> Path:
    from corpuskit._build import build
    from corpuskit.config import load_config

    out = project / "ok" / "1.0.0"
    build(load_config(root=str(project)), out=str(out), workers=1, gate=False)
    return out


def test_a_worker_that_dies_is_an_error_not_a_hang(project, built):
    from corpuskit._check.folder import open_folder
    from corpuskit._check.scan import ScanFailed, run_pass

    version = open_folder(str(built), root=str(project))
    version.workers, version.batch_rows = 2, 500
    started = time.monotonic()
    with pytest.raises(ScanFailed, match="a gate worker died"):
        run_pass(version, [DiesInAWorker])
    assert time.monotonic() - started < 60
    assert not multiprocessing.active_children()  # the pool's workers are gone too


def test_a_script_without_a_main_guard_is_not_run_again_by_the_workers(project, built, tmp_path):
    """Workers are started fresh (not forked); they must not import the caller's script."""
    script = tmp_path / "unguarded.py"
    script.write_text("from corpuskit._check import run_checks\n"
                      "print('script ran', flush=True)\n"
                      f"report = run_checks({str(built)!r}, load=False, root={str(project)!r}, workers=2)\n"
                      "print(report.counts(), flush=True)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("script ran") == 1, done.stdout
    assert "'fail': 0" in done.stdout, done.stdout


def _children(pid: int) -> list[int]:
    ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in ps.stdout.split()]


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _runs(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except OSError:
        return False


def test_ctrl_c_in_the_gate_stops_its_workers_and_publishes_nothing(project):
    out = project / "dist" / "gate" / "1.0.0"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = subprocess.Popen([sys.executable, "-m", "corpuskit", "build", "-q", "--workers", "2",
                              "--out", str(out)], cwd=project, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    gate_workers: list[int] = []
    deadline = time.monotonic() + 300
    while not gate_workers and child.poll() is None and time.monotonic() < deadline:
        gate_workers = [pid for pid in _children(child.pid) if "spawn_main" in _cmdline(pid)]
        time.sleep(0.01)
    if not gate_workers:
        child.communicate(timeout=300)
        pytest.skip("the gate finished before its workers were seen")  # a very fast machine
    os.killpg(child.pid, signal.SIGINT)  # Ctrl-C: the whole group, the gate's workers too
    _, err = child.communicate(timeout=120)
    assert child.returncode == 128 + signal.SIGINT, err
    assert err.strip().splitlines() == ["Error: interrupted (SIGINT); stopped cleanly: nothing was published "
                                        "and no partial output was left"], err
    assert not out.exists()
    assert not out.parent.exists() or not os.listdir(out.parent)  # no build folder left either
    deadline = time.monotonic() + 10
    while any(_runs(pid) for pid in gate_workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in gate_workers if _runs(pid)]  # no orphaned workers


class _Task:
    """A fake pool task: a batch is done at once; the whole checks' unit when the test says so."""

    def __init__(self, unit):
        self.unit, self.done = unit, unit[4] is not None

    def ready(self) -> bool:
        return self.done

    def get(self, timeout=None):
        if not self.done:
            raise multiprocessing.TimeoutError
        return [self.unit[3]], [0.0]


class _Pool:
    """One fake worker: records the units given to it."""

    def __init__(self):
        self._pool = [type("Process", (), {"exitcode": None})()]
        self.given: list = []

    def apply_async(self, function, args):
        self.given.append(_Task(args[0]))
        return self.given[-1]


@pytest.mark.parametrize("whole_takes", ["every batch", "no time"])
def test_no_batch_waits_behind_the_whole_checks_unit(monkeypatch, whole_takes):
    """The whole checks' unit (the replay: the pass's longest unit, growing with the data) is
    given to the worker first and folded in last; while it runs, the worker gets no batch
    (one queued behind it would stall the pass), so this process scans the batches. Once
    it is done, the worker shares the batches again."""
    from corpuskit._check import scan

    here: list[int] = []  # the units whose shared scans ran in this process

    def scan_unit(scans, unit):
        if scans:
            here.append(unit[3])
        return [unit[3]] * len(scans), [0.0] * len(scans)

    monkeypatch.setattr(scan, "_scan_unit", scan_unit)
    batches = [("f", (i,), (), i, "default") for i in range(12)]
    pool = _Pool()
    shared = scan._Shared(pool, [RecordScan.__new__(RecordScan)], [*batches, ("", (), (), -1, None)])
    whole = pool.given[0]
    assert whole.unit[4] is None  # given out before any batch
    whole.done = whole_takes == "no time"
    found = []
    for parts, _ in shared.results():
        found.append(parts[0])
        whole.done = whole.done or len(found) == 12
    assert found == [*range(12), -1]  # the batches in order, then the whole unit
    to_worker = [task.unit[3] for task in pool.given[1:]]
    if whole_takes == "every batch":
        assert to_worker == [] and here == list(range(12))
    else:
        assert to_worker and sorted(to_worker + here) == list(range(12))
