"""Engines: where the units of work of a pipeline run.

An :class:`Engine` takes a :class:`~corpuskit.pipeline.Runner` and the
reader's units of work (lists of records, or raw blocks a worker parses
itself) and yields one :class:`~corpuskit.pipeline.BatchResult` per unit, **in
unit order**, after folding its statistics into the runner's statistics
(:meth:`~corpuskit.pipeline.Runner.absorb`). Everything order-dependent (id
suffixes, the spill, dedup indices) happens in the caller on those ordered
results, so an engine only decides *where* ``runner.run_batch(unit)`` runs,
and the output is the same on every engine and for any number of workers.

:class:`LocalEngine` runs units in this process (``workers=1``) or in a
process pool. A distributed engine is one more implementation of
:meth:`Engine.map`; :func:`engine_for` picks one by name.
"""

from __future__ import annotations

import abc
import contextlib
import multiprocessing
import multiprocessing.pool
import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from corpuskit._memory import UNIT_SLACK, trim_heap
from corpuskit.pipeline import BatchResult, Runner

#: Engine names accepted by :func:`engine_for` (``--engine``, ``engine =`` in the config).
ENGINES = ("local", "ray")


class Engine(abc.ABC):
    """Runs a pipeline's units of work and yields their results in unit order."""

    name: str = ""

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()

    @abc.abstractmethod
    def map(self, runner: Runner, units: Iterable[Any]) -> Iterator[BatchResult]:
        """Yield ``runner.run_batch(unit)`` for every unit, in order, each absorbed into
        ``runner.stats``. Closing the iterator early stops all outstanding work."""

    def describe(self) -> dict:
        """What ran the build (for the build's statistics; never published)."""
        return {"engine": self.name, "workers": self.workers}


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def warm(runner: Runner) -> None:
    """Load the steps' lookup tables (language profiles) before the first unit."""
    for step in runner.steps:
        warm_up = getattr(step, "warm_up", None)
        if warm_up:
            warm_up()


class LocalEngine(Engine):
    """This machine: the units run in this process (``workers=1``), or in this process and a
    pool of ``workers - 1`` forked processes.

    ``workers`` is the build's CPU budget, and this process is one of them: besides
    reading, cutting units and collecting, it runs every unit that reaches the front of
    the queue unsent, while the pool works on the ones behind it. One process fewer
    holds the interpreter, the libraries and the steps' lookup tables (language
    models, about 240 MB a process), which is most of a build's memory. At most ``3 *
    workers`` units are in flight, of which ``3 * (workers - 1)`` in the pool; this
    bounds memory whatever the corpus size.
    """

    name = "local"

    def map(self, runner: Runner, units: Iterable[Any]) -> Iterator[BatchResult]:
        warm(runner)  # this process runs units too; forked workers share its lookup tables' pages
        trim_heap()  # and not the pages the loading freed (py3langid's whole table: 10 MB)
        try:
            yield from self._map(runner, units)
        finally:
            trim_heap()

    def _map(self, runner: Runner, units: Iterable[Any]) -> Iterator[BatchResult]:
        if self.workers <= 1:
            for unit in units:
                result = _run_unit(runner, unit)
                runner.absorb(result)
                yield result
            return
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        window = self.workers * 3  # units in flight: bounds memory, keeps every process busy
        share = window - 3  # of which in the pool: the rest waits for this process
        with contextlib.ExitStack() as stack:
            with pool_starting(context):
                pool = stack.enter_context(_Pool(self.workers - 1, initializer=_init_worker,
                                                 initargs=(runner,), context=context))
            pending: deque = deque()  # per unit in order: the pool's AsyncResult, or the unit
            sent = 0  # pool results in ``pending``
            for unit in units:
                if sent < share:
                    pending.append(pool.apply_async(_run_in_worker, (unit,)))
                    sent += 1
                else:
                    pending.append(_Here(unit))
                if len(pending) >= window:
                    result, sent = _next(runner, pending, sent)
                    yield result
            while pending:
                result, sent = _next(runner, pending, sent)
                yield result


class _Here:
    """A unit that this process runs itself when it reaches the front of the queue."""

    __slots__ = ("unit",)

    def __init__(self, unit):
        self.unit = unit


def _next(runner: Runner, pending: deque, sent: int) -> tuple[BatchResult, int]:
    """The result of the unit at the front of ``pending`` (run here, or waited for), absorbed;
    and the number of pool results still pending."""
    first = pending.popleft()
    if isinstance(first, _Here):
        result = _run_unit(runner, first.unit)
    else:
        result = first.get()
        sent -= 1
    runner.absorb(result)
    return result, sent


def _run_unit(runner: Runner, unit) -> BatchResult:
    """``runner.run_batch(unit)``, then the unit's freed memory handed back (:func:`trim_heap`).

    A unit's records, its Arrow encoding and the steps' temporaries are freed when it ends,
    but glibc keeps the freed pages for reuse, scattered between live objects that later
    units leave behind (the parent's ids and signatures, the word-score cache); over a
    stage every cleaning process carried 20-40 MB of them (50,000 articles, 2 workers:
    460 -> 428 MB RSS sum). Only past :data:`~corpuskit._memory.UNIT_SLACK` of them: a
    trim after every unit made the next unit fault in and zero every page again (a third
    of a 20,000-article build's 700,000 page faults)."""
    result = runner.run_batch(unit)
    trim_heap(UNIT_SLACK)
    return result


def engine_for(name: str = "local", workers: int | None = None, **options: Any) -> Engine:
    """The engine called ``name``, with ``workers`` (default: the CPUs this process may use)."""
    from corpuskit.errors import ConfigError

    if name == "local":
        if options:
            raise ConfigError(f"engine 'local' takes no options ({', '.join(sorted(options))}); "
                              "an address is for engine 'ray'")
        return LocalEngine(workers)
    if name == "ray":  # optional: corpuskit[ray]; a missing Ray is a one-line fix-it error
        from corpuskit._ray import RayEngine

        unknown = sorted(set(options) - {"address", "max_retries"})
        if unknown:
            raise ConfigError(f"engine 'ray': unknown option(s) {', '.join(unknown)} (known: address, max_retries)")
        return RayEngine(workers, **options)
    raise ConfigError(f"engine: unknown engine {name!r} (known: {', '.join(ENGINES)})")


def configured_engine(config, workers: int | None = None, name: str | None = None,
                      address: str | None = None) -> Engine:
    """The engine a build of ``config`` runs on: ``name``/``address`` (``--engine``,
    ``--address``) over the configuration's ``engine``/``engine_address``."""
    name = name or config.engine
    if address is None and name == config.engine:
        address = config.engine_address
    return engine_for(name, workers, **({"address": address} if address is not None else {}))


_WORKER_RUNNER: Runner | None = None


def _init_worker(runner: Runner) -> None:
    """Set a worker up. Signals are the parent's business: Ctrl-C, a hang-up and `timeout`'s
    SIGTERM reach the whole process group, but a worker that died from one while holding the
    pool's queue lock would hang the pool's shutdown; the parent shuts the pool down instead
    (:class:`_Pool` stops workers with SIGKILL), and no worker prints a traceback."""
    global _WORKER_RUNNER
    ignore_stops()
    _WORKER_RUNNER = runner
    warm(runner)


def _run_in_worker(unit) -> BatchResult:
    assert _WORKER_RUNNER is not None
    return _run_unit(_WORKER_RUNNER, unit)


#: Ctrl-C, a hang-up and ``SIGTERM``: they stop a command; workers leave them to their parent.
STOPS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGHUP", "SIGTERM") if hasattr(signal, name))


@contextlib.contextmanager
def pool_starting(context):
    """Hold Ctrl-C, hang-up and ``SIGTERM`` while a pool's workers start, and deliver them
    after: enter the pool (to an exit stack) inside this block.

    One arriving meanwhile does harm twice. A worker still starting would die of it with a
    traceback: the workers inherit this thread's mask and ignore the signals before
    releasing it (:func:`ignore_stops`). And this process's handler would raise inside the
    pool's constructor, before the pool can be shut down: the pool is dropped, the garbage
    collector unlinks its semaphores, and a (spawned) worker still reading its setup dies
    with ``FileNotFoundError`` and a traceback. The mask alone does not prevent that: the
    kernel hands a process's signal to any thread that does not block it (pyarrow's, the
    dedup threads), and Python then runs the handler in the main thread, masked or not. So
    the handlers are swapped for one that only notes the signal; when the block ends (the
    pool entered), the handlers are restored and the first noted signal is handled by its own.
    Main thread only (elsewhere no handler runs): a plain block there. ``context`` is the
    pool's multiprocessing context.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if context.get_start_method() != "fork":
        from multiprocessing import resource_tracker

        # its semaphores have names the tracker must know, and the tracker is started first:
        # starting it inside the pool would release the mask again (a forked pool's
        # semaphores are unnamed: no tracker, no 12 MB process beside the cleaning stage)
        resource_tracker.ensure_running()
    noted: list[int] = []
    previous: dict = {}
    try:
        for each in STOPS:
            previous[each] = signal.signal(each, lambda signum, frame: noted.append(signum))
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
        yield
    finally:
        try:
            _restore_handlers(previous)
        finally:
            if hasattr(signal, "pthread_sigmask"):
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
    if noted:
        handler = signal.getsignal(noted[0])
        if callable(handler):
            handler(noted[0], None)
        elif handler == signal.SIG_DFL:
            signal.raise_signal(noted[0])


def _restore_handlers(previous: dict) -> None:
    """Put every handler back, even when one restored handler runs and raises (a signal
    handled meanwhile: ``signal.signal`` runs pending handlers); then raise the first error."""
    error: BaseException | None = None
    for each, handler in previous.items():
        try:
            signal.signal(each, handler)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, after the others
            error = error or exc
    if error is not None:
        raise error


def ignore_stops() -> None:
    """In a worker: ignore :data:`STOPS`, then release the mask inherited from
    :func:`pool_starting` (a signal held until now is discarded)."""
    for each in STOPS:
        signal.signal(each, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)


class _Pool(multiprocessing.pool.Pool):
    """A pool whose ``terminate`` kills its workers (they ignore SIGTERM, see ``_init_worker``)."""

    @staticmethod
    def Process(ctx, *args, **kwds):
        process = ctx.Process(*args, **kwds)
        process.terminate = process.kill
        return process

    @staticmethod
    def _help_stuff_finish(inqueue, task_handler, size):
        """While the pool shuts down, read the task pipe until the task thread has ended.

        The base class stops reading as soon as the pipe is momentarily empty; a task thread
        that is still pickling a unit then writes it (a unit is far larger than a pipe buffer)
        into a pipe whose readers are about to be killed, blocks forever, and ``terminate``
        waits for it forever: a build interrupted at that moment never exited. The lock is
        taken with a timeout: a worker killed while reading may have died holding it.
        """
        inqueue._rlock.acquire(timeout=1.0)
        while task_handler.is_alive():
            if inqueue._reader.poll(0.01):
                inqueue._reader.recv_bytes()
