"""The local engine: which processes run the units, and stopping its pool never waits for a task
that nobody will read."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

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
