"""The local engine: which processes run the units, and stopping its pool never waits for a task
that nobody will read."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time

import pytest

from corpuskit.engine import LocalEngine, _Pool
from corpuskit.pipeline import BatchResult, Runner


def test_shutdown_reads_the_task_pipe_until_the_task_thread_has_ended():
    """The pool's task thread may still be pickling a unit when shutdown starts reading the empty
    pipe; it then writes the unit (here 1 MiB, far more than a pipe buffer) with the workers being
    killed. Shutdown must keep reading until that thread has ended, or ``terminate`` waits for it
    forever (seen: an interrupted build that never exited). The base class's reader gives up at
    once here and the thread stays blocked."""
    inqueue = multiprocessing.get_context("fork").SimpleQueue()

    def late_large_task():
        time.sleep(0.2)  # shutdown has already found the pipe empty
        inqueue._writer.send_bytes(b"x" * (1 << 20))

    thread = threading.Thread(target=late_large_task, daemon=True)
    thread.start()
    _Pool._help_stuff_finish(inqueue, thread, 2)
    thread.join(timeout=10)
    assert not thread.is_alive()


class _PidRunner(Runner):
    """Answers each unit with the unit and the process that ran it."""

    def run_batch(self, unit):
        return BatchResult([], [], [], [], ids=[f"{unit}:{os.getpid()}"])


def test_this_process_is_one_of_the_workers():
    """``workers=2`` is this process and one pool process, and results come back in unit order."""
    results = list(LocalEngine(2).map(_PidRunner([]), range(40)))
    units = [int(r.ids[0].split(":")[0]) for r in results]
    pids = {int(r.ids[0].split(":")[1]) for r in results}
    assert units == list(range(40))
    assert os.getpid() in pids and len(pids) == 2


_ARENAS = r'''
import ctypes, os, sys, tempfile, threading
from corpuskit._memory import one_malloc_arena
if sys.argv[1] == "one":
    one_malloc_arena()
    assert os.environ["MALLOC_ARENA_MAX"] == "1"  # what child interpreters will read
barrier = threading.Barrier(3)
def work():
    kept = [bytearray(2000) for _ in range(100)]  # malloc'd from this thread (over pymalloc's 512 B)
    barrier.wait()  # all threads alive at once: each would get an arena of its own
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads: t.start()
barrier.wait()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
path = tempfile.mktemp()
handle = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(handle))
libc.fclose(ctypes.c_void_p(handle))
barrier.wait()
for t in threads: t.join()
print(open(path).read().count("<heap nr="))
'''


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
def test_one_malloc_arena_serves_every_thread():
    """The command line's processes keep freed memory in one malloc arena, not one per thread."""
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}

    def heaps(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", _ARENAS, mode], env=env, capture_output=True,
                             text=True, check=True)
        return int(out.stdout)

    assert heaps("default") >= 2  # the probe can tell: threads get arenas of their own
    assert heaps("one") == 1


def test_one_malloc_arena_leaves_a_users_setting(monkeypatch):
    from corpuskit._memory import one_malloc_arena

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    one_malloc_arena()
    assert os.environ["MALLOC_ARENA_MAX"] == "4"


class _Stop(Exception):
    pass


def _raising_handler(seen: list):
    def handler(signum, frame):
        seen.append(("handled", signum))
        raise _Stop(signum)
    return handler


def test_a_signal_another_thread_takes_while_a_pool_starts_is_handled_after_it_has_started():
    """The kernel gives a process's Ctrl-C to any thread that does not block it (pyarrow's, the
    dedup threads), and Python runs the handler in the main thread whatever its mask: masking
    alone let the handler raise inside the pool's constructor, the dropped pool's semaphores
    were unlinked under a worker still starting, and it died with a traceback (seen in CI).
    Inside ``pool_starting`` the signal waits; it is handled, by the same handler, after."""
    import signal

    from corpuskit.engine import STOPS, pool_starting

    seen: list = []
    previous = {each: signal.signal(each, _raising_handler(seen)) for each in STOPS}
    release = threading.Event()
    bystander = threading.Thread(target=release.wait)  # started unmasked, like pyarrow's threads
    bystander.start()
    try:
        with pytest.raises(_Stop):
            with pool_starting(multiprocessing.get_context("spawn")):
                signal.pthread_kill(bystander.ident, signal.SIGINT)
                for _ in range(200):  # Python would run the handler here, on any of these calls
                    time.sleep(0.001)
                seen.append("pool started")
        assert seen == ["pool started", ("handled", signal.SIGINT)]
        handlers = {each: signal.getsignal(each) for each in STOPS}
        assert all(getattr(handler, "__name__", "") == "handler" for handler in handlers.values())
        assert signal.pthread_sigmask(signal.SIG_BLOCK, []) & set(STOPS) == set()  # released
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)
        release.set()
        bystander.join()


_INTERRUPTED_START = """
import multiprocessing, signal, threading, time
from corpuskit.engine import _Pool, pool_starting

def stop(signum, frame):
    raise KeyboardInterrupt
signal.signal(signal.SIGINT, stop)
bystander = threading.Thread(target=threading.Event().wait, daemon=True)
bystander.start()

class Signalled(_Pool):
    def _repopulate_pool(self):
        started = super()._repopulate_pool()  # the worker now reads its setup from a pipe
        signal.pthread_kill(bystander.ident, signal.SIGINT)
        time.sleep(0.05)
        return started

if __name__ == "__main__":
    interrupted = False
    try:
        context = multiprocessing.get_context("spawn")
        with pool_starting(context):
            pool = Signalled(1, context=context)
    except KeyboardInterrupt:
        interrupted = True
    pool.terminate()
    pool.join()
    print("interrupted:", interrupted, "children left:", len(multiprocessing.active_children()), flush=True)
"""


def test_a_pool_interrupted_while_its_workers_start_is_shut_down_without_a_traceback(tmp_path):
    """The whole race end to end: the signal arrives (through another thread) right after a
    spawned worker was started; the pool is still shut down, and no process prints a traceback."""
    script = tmp_path / "start.py"
    script.write_text(_INTERRUPTED_START)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "interrupted: True children left: 0"
    assert "Traceback" not in done.stderr, done.stderr


def test_a_forked_pool_starts_no_resource_tracker():
    """A forked pool's semaphores are unnamed: the tracker (a process of ~12 MB for the whole
    build) is started only for a spawned pool, whose semaphores it must know."""
    script = ("import multiprocessing\n"
              "from multiprocessing import resource_tracker\n"
              "from corpuskit.engine import _Pool, pool_starting\n"
              "for method in ('fork', 'spawn'):\n"
              "    context = multiprocessing.get_context(method)\n"
              "    with pool_starting(context):\n"
              "        pool = _Pool(1, context=context)\n"
              "    pool.terminate(); pool.join()\n"
              "    print(method, resource_tracker._resource_tracker._pid is not None, flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["fork False", "spawn True"]
