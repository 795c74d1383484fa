"""Stopping the local engine's pool never waits for a task that nobody will read."""

from __future__ import annotations

import multiprocessing
import threading
import time

from corpuskit.engine import _Pool


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
