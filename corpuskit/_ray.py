"""The Ray engine: the same units of work as the local engine, run as Ray tasks.

What runs where (docs/distributed.md): the driver (the ``corpuskit build``
process) reads the inputs, cuts them into units (raw blocks of lines, or lists
of records), resolves the dedup clusters and writes the version; a Ray task
runs ``runner.run_batch(unit)`` -- parsing, every per-record step, the dedup
signatures, the Arrow encoding -- in the same code as the local engine. Tasks
only see the bytes they are sent, so the workers need corpuskit installed (the
same versions: checked) but no access to the inputs or the output folder.

Why the output is byte-identical to ``--engine local`` whatever the number of
workers: results are taken in unit order, one result per unit (a task retried
after its worker died is the same unit: its first complete result is the only
one the driver ever sees), and everything order-dependent (id suffixes, the
spill, dedup indices, the statistics) happens on the driver, as locally.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from corpuskit.engine import Engine, warm
from corpuskit.errors import ConfigError, CorpuskitError, require
from corpuskit.pipeline import BatchResult, Runner

#: The extra that installs Ray (named in the error when Ray is missing).
EXTRA = "'corpuskit[ray]'"

#: How often a unit is retried when its worker process dies (killed, out of memory, node lost).
DEFAULT_RETRIES = 3


class RayEngineError(CorpuskitError):
    """The Ray cluster cannot be reached, or a unit kept failing on it."""


class RayEngine(Engine):
    """Units as Ray tasks on a local or existing cluster; results in unit order.

    ``address``: ``None`` starts a private local cluster for the build (with
    ``workers`` CPUs, default all) and stops it afterwards (with ``RAY_ADDRESS`` set,
    Ray joins that cluster instead); ``"auto"`` joins the
    cluster started on this machine (``ray start --head``); ``"ray://HOST:PORT"``
    connects to a remote one (Ray Client). If Ray is already initialised in this
    process, that connection is used as it is. ``workers`` is also the driver's
    thread budget for the dedup and write stages, as with the local engine.
    At most two units per cluster CPU are in flight, which bounds the driver's
    and the object store's memory whatever the corpus size.
    """

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None,
                 max_retries: int = DEFAULT_RETRIES):
        self.ray = require("ray", "--engine ray", EXTRA)
        super().__init__(workers)
        self.cluster_cpus = workers  # a private local cluster's size (None: all this machine's)
        if address is not None and not (isinstance(address, str) and address.strip()):
            raise ConfigError(f"engine address: expected 'auto' or 'ray://HOST:PORT', got {address!r}")
        if not (isinstance(max_retries, int) and max_retries >= 0):
            raise ConfigError(f"engine max_retries: expected an integer >= 0, got {max_retries!r}")
        self.address = address
        self.max_retries = max_retries

    def describe(self) -> dict:
        return dict(super().describe(), address=self.address or "local cluster")

    def map(self, runner: Runner, units: Iterable[Any]) -> Iterator[BatchResult]:
        ray = self.ray
        started = self._connect()
        pending: deque = deque()
        try:
            window = 2 * max(1, int(ray.cluster_resources().get("CPU", 1)))
            stored = [ray.put(runner)]  # once; in a list, so tasks get the reference, not a copy
            task = ray.remote(_run_unit).options(max_retries=self.max_retries, num_cpus=1)
            versions = _versions()
            for position, unit in enumerate(units):
                pending.append((position, task.remote(stored, unit, versions)))
                if len(pending) >= window:
                    yield self._take(runner, pending)
            while pending:
                yield self._take(runner, pending)
        finally:
            with contextlib.suppress(Exception):  # interrupted: the cluster may be going down too
                for _, ref in pending:
                    ray.cancel(ref, force=True)
            if started:
                ray.shutdown()

    def _take(self, runner: Runner, pending: deque) -> BatchResult:
        """The oldest unit's result, absorbed into the driver's statistics."""
        ray = self.ray
        position, ref = pending.popleft()
        try:
            result = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # the unit's own error (bad input...): as locally
            raise exc.cause from None
        except ray.exceptions.RayError as exc:
            raise RayEngineError(
                f"engine 'ray': unit {position} could not be run ({type(exc).__name__}; tried "
                f"{self.max_retries + 1} times); nothing was published. A worker keeps dying: "
                "check its memory and the Ray logs (/tmp/ray/session_latest/logs)") from None
        runner.absorb(result)
        return result

    def _connect(self) -> bool:
        """Connect to the cluster (or start a local one); True if this engine started it."""
        ray = self.ray
        if ray.is_initialized():
            return False
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "logging_level": "warning", "configure_logging": False}
        address = self.address
        if address is None and not os.environ.get("RAY_ADDRESS"):  # else Ray joins that cluster
            # "local": a new cluster of our own, even if `ray start` left one running here
            address, options["num_cpus"] = "local", self.cluster_cpus
        # ray.init sets its own SIGTERM handler (the CLI's stay) and logs its start-up notes
        with _keep_signal_handlers(), _quiet("ray"):
            try:
                ray.init(address=address, **options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                if address == "local":
                    raise RayEngineError(f"engine 'ray': cannot start a local Ray cluster ({why}); "
                                         "see the Ray logs (/tmp/ray/session_latest/logs)") from None
                raise RayEngineError(
                    f"engine 'ray': cannot connect to the cluster at {address or os.environ['RAY_ADDRESS']!r} "
                    f"({why}); start it (`ray start --head`) or omit the address to run on a "
                    "local cluster") from None
        return True


@contextlib.contextmanager
def _keep_signal_handlers():
    """Restore SIGTERM/SIGINT/SIGHUP handlers changed inside the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = {each: signal.getsignal(each) for each in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        yield
    finally:
        for each, handler in kept.items():
            if handler is not None:
                signal.signal(each, handler)


@contextlib.contextmanager
def _quiet(name: str):
    """Only errors from logger ``name`` inside the block, and no warnings (the error says it all)."""
    import logging
    import warnings

    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _versions() -> dict[str, str]:
    """The software that decides the output's bytes (the manifest's ``software``)."""
    from corpuskit.publish.manifest import software_versions

    return software_versions()


#: In each worker process: the runner last fetched (reference id -> runner), so that a
#: worker fetches, unpickles and warms it (language profiles) once, not once per unit.
_RUNNERS: dict[str, Runner] = {}


def _run_unit(stored: list, unit: Any, versions: dict[str, str]) -> BatchResult:
    """A Ray task: ``run_batch(unit)`` with the build's runner (see :data:`_RUNNERS`)."""
    import ray

    key = stored[0].hex()
    runner = _RUNNERS.get(key)
    if runner is None:
        here = _versions()
        if here != versions:
            differ = ", ".join(f"{name} {here.get(name)} (driver {versions[name]})"
                               for name in sorted(versions) if here.get(name) != versions[name])
            raise RayEngineError(f"engine 'ray': a worker runs other software than the driver: {differ}; "
                                 "install the same versions on every node (the output depends on them)")
        runner = ray.get(stored[0])
        warm(runner)
        _RUNNERS.clear()
        _RUNNERS[key] = runner
    return runner.run_batch(unit)
