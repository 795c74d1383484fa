"""One pass over the published rows for every per-record check, in worker processes.

A per-record check is a :class:`RecordScan` in two halves: ``scan`` looks at one batch
of rows and returns a small, picklable part (problems with their row numbers, fixed-size
keys, dedup signatures); ``add`` folds the parts in, in row order, in this process, and
``finish`` makes the :class:`CheckResult` (the cross-row work: repeated ids, copies).
Every batch is read once, with the columns all the scans need, and every scan runs on
it; the parts are folded in batch order, so the report is the same for any number of
workers and any batch size.

With ``workers > 1`` the batches are shared between this process and ``workers - 1``
fresh (spawned) processes: a spawned worker holds only what the scans import, where a
forked one would hold (and count, in the process tree's RSS) everything the build's
parent holds. Workers ignore Ctrl-C and ``SIGTERM``; the parent stops them (SIGKILL) on
any error or interruption, and a worker that dies is an error, never a hang.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from typing import Any

from corpuskit._check.folder import VersionFolder, present
from corpuskit._check.report import CheckResult
from corpuskit._memory import UNIT_SLACK, trim_heap
from corpuskit.errors import CorpuskitError


class RecordScan:
    """A per-record check: ``scan`` batches anywhere, ``add`` and ``finish`` here, in row order.

    ``__init__`` reads the settings from the folder (it runs in every worker too) and may
    decide the check does not apply (``self.result.skip(...)``: then nothing is scanned).
    It may also set ``columns`` and ``here_only`` for the instance: a scan that skips its
    warnings-only work (``folder.warnings`` False) may read fewer columns and need no tables.
    """

    name = ""
    columns: tuple[str, ...] = ()
    configs: tuple[str, ...] | None = ("default",)  # the configs it reads (None: every config)
    raw = False  # scan the published rows as they are, with their config's name (else as records)
    here_only = False  # never in a worker (its tables are loaded once, in this process)
    whole = False  # a whole check, run as one unit beside the batches (``scan(None, 0)``)

    def __init__(self, folder: VersionFolder):
        self.result = CheckResult(self.name)

    @property
    def active(self) -> bool:
        return self.result.status != "skip"

    def scan(self, rows: list[dict], start: int) -> Any:
        """What this check finds in ``rows`` (rows ``start``, ``start + 1``, ... of their config;
        records unless ``raw``): picklable, never None."""
        raise NotImplementedError

    def add(self, part: Any) -> None:
        """Fold in the part of the next batch (called in row order)."""
        raise NotImplementedError

    def scanned(self) -> None:
        """Every batch is scanned (called here before any check's ``finish``): what only the
        scanning needed can go."""

    def finish(self, folder: VersionFolder) -> CheckResult:
        return self.result


class WholeCheck(RecordScan):
    """A check run whole, as one unit of the shared pass: on a worker, beside the batches."""

    configs, whole = (), True

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        self.folder = folder

    @staticmethod
    def check(folder: VersionFolder) -> CheckResult:
        raise NotImplementedError

    def scan(self, rows, start):
        try:
            return self.check(self.folder)
        finally:
            trim_heap()  # the whole checks run one after the other: their peaks need not add up

    def add(self, part) -> None:
        self.result = part


class ScanFailed(CorpuskitError):
    """The shared pass could not run (a worker died): every check in it reports this."""


def scanned(folder: VersionFolder, kind: type[RecordScan]) -> CheckResult:
    """The result of the per-record check ``kind``, from the folder's shared pass (run now,
    with every check ``folder.scan_plan`` names, the first time one of them asks)."""
    results = folder.scan_results
    if kind.name not in results:
        plan = [k for k in folder.scan_plan if k.name != kind.name] + [kind]
        folder.scan_plan = ()  # one shared pass; a check asked for again runs alone
        try:
            results.update(run_pass(folder, plan))
        except ScanFailed as exc:
            results.update({k.name: exc for k in plan})
    found = results.pop(kind.name)
    if isinstance(found, Exception):
        raise found
    return found


def run_pass(folder: VersionFolder, kinds: list[type[RecordScan]]) -> dict[str, CheckResult]:
    """Run the checks ``kinds`` in one pass over the rows (each config's they read)."""
    results: dict[str, Any] = {}
    scans = []
    for kind in kinds:
        try:
            scans.append(kind(folder))
        except Exception as exc:  # noqa: BLE001 - a crashing check is a failed check (run_checks)
            results[kind.name] = exc
    active = [scan for scan in scans if scan.active]
    if active:
        spent = [0.0] * len(active)
        trim_heap()  # the workers start while this process is smallest
        for parts, seconds in _parts(folder, active, _units(folder, active)):
            for index, (scan, part) in enumerate(zip(active, parts)):
                clock = time.process_time()
                if part is None:
                    continue  # a config this check does not read
                if isinstance(part, Exception) or scan.name in results:
                    results.setdefault(scan.name, part)  # crashed: stop folding its parts
                else:
                    scan.add(part)
                spent[index] += seconds[index] + time.process_time() - clock
        for scan, seconds in zip(active, spent):
            scan.result.seconds = seconds
            scan.scanned()
        trim_heap()  # the batches' pages, before the cross-row work (the dedup resolve)
    for scan in (scan for scan in scans if scan.name not in results):
        results[scan.name] = _finish(scan, folder)
    trim_heap()
    return results


def _finish(scan: RecordScan, folder: VersionFolder):
    """The scan's result, with the CPU seconds of its finish added (or the exception it raised)."""
    clock = time.process_time()
    try:
        result = scan.finish(folder) if scan.active else scan.result
    except Exception as exc:  # noqa: BLE001 - reported as a crashed check by run_checks
        return exc
    result.seconds += time.process_time() - clock
    return result


# -- units of work: row groups --------------------------------------------------------


def _reads(scan: RecordScan, config: str | None) -> bool:
    """Whether ``scan`` runs on a unit of ``config`` (None: the unit of the ``whole`` checks)."""
    if config is None or scan.whole:
        return config is None and scan.whole
    return scan.configs is None or config in scan.configs


def _units(folder: VersionFolder, scans: list[RecordScan]) -> list[tuple]:
    """``(path, row groups, columns, first row, config)`` per batch of about
    ``folder.batch_rows`` rows, in config and row order (whole row groups: a worker reads
    only its own), for every config a scan reads; last, one unit (config None) for the
    ``whole`` checks: :class:`_Shared` gives it to a worker first and folds it in last, so
    that no batch waits behind it."""
    units = []
    for config in folder.config_names():
        readers = [scan for scan in scans if _reads(scan, config)]
        if readers:
            units += _config_units(folder, config, tuple(dict.fromkeys(c for s in readers for c in s.columns)))
    return units + ([("", (), (), 0, None)] if any(scan.whole for scan in scans) else [])


def _config_units(folder: VersionFolder, config: str, wanted: tuple[str, ...]) -> list[tuple]:
    units, start = [], 0
    for path, parquet in folder.parquet_files(config):
        columns = present(parquet, wanted)
        groups: list[int] = []
        rows = 0
        for group in range(parquet.metadata.num_row_groups):
            groups.append(group)
            rows += parquet.metadata.row_group(group).num_rows
            if rows >= folder.batch_rows:
                units.append((path, tuple(groups), columns, start, config))
                start, groups, rows = start + rows, [], 0
        if groups:
            units.append((path, tuple(groups), columns, start, config))
            start += rows
    return units


def _read(unit: tuple, columns: list[str]) -> list[dict] | None:
    """The unit's rows, ``columns`` only (None when its file cannot be read: the files checks
    report it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path, groups, *_ = unit
    try:
        return pq.ParquetFile(path).read_row_groups(list(groups), columns=columns, use_threads=False).to_pylist()
    except (OSError, pa.ArrowException):
        return None


def _scan_unit(scans: list[RecordScan], unit: tuple) -> tuple[list, list[float]] | None:
    """``(one part per scan, CPU seconds per scan)`` (part None: a scan that does not read
    the unit); None when the unit cannot be read."""
    start, config = unit[3], unit[4]
    here = [_reads(scan, config) for scan in scans]
    if not any(here):
        return [None] * len(scans), [0.0] * len(scans)
    wanted = {column for scan, reads in zip(scans, here) if reads for column in scan.columns}
    rows = _read(unit, [c for c in unit[2] if c in wanted]) if config is not None else []
    if rows is None:
        return None
    from corpuskit._check.records import to_record

    records = ([to_record(row) for row in rows]  # steps never edit a record in place
               if any(wanted and not scan.raw for wanted, scan in zip(here, scans)) else None)
    parts, seconds = [], []
    for wanted, scan in zip(here, scans):
        clock = time.process_time()
        try:
            parts.append(None if not wanted else
                         scan.scan(rows, start, config) if scan.raw else scan.scan(records, start))
        except Exception as exc:  # noqa: BLE001 - this check crashed; the others go on
            parts.append(exc)
        seconds.append(time.process_time() - clock)
    del rows, records
    trim_heap(UNIT_SLACK)  # a unit's batch (and a whole check's reads) freed: carry at most the slack
    return parts, seconds


def _parts(folder: VersionFolder, scans: list[RecordScan], units: list[tuple]):
    """``_scan_unit`` of every unit, in unit order; the rest of a file after a unit that
    cannot be read is left out (as :meth:`VersionFolder.batches` leaves it)."""
    broken: set[str] = set()
    for unit, found in zip(units, _run(folder, scans, units)):
        if unit[0] in broken:
            continue
        if found is None:
            broken.add(unit[0])
            continue
        yield found


def _run(folder: VersionFolder, scans: list[RecordScan], units: list[tuple]):
    """``_scan_unit`` of every unit, in order: here, or shared with ``workers - 1`` spawned
    processes (see :class:`_Shared`)."""
    workers = min(folder.workers, len(units))
    if workers <= 1:
        # the whole checks first all the same: this process is smallest before the
        # near-duplicate signatures of every batch are held here
        wholes = [_scan_unit(scans, unit) for unit in units if unit[4] is None]
        for unit in units:
            yield _scan_unit(scans, unit) if unit[4] is not None else wholes.pop(0)
        return
    from corpuskit.engine import _Pool, pool_starting

    shared = [scan for scan in scans if not scan.here_only]
    context = multiprocessing.get_context("spawn")
    setup = (folder.path, folder.root, folder.overrides, folder.allowed_inputs, folder.warnings, folder.memo,
             [(type(scan).__module__, type(scan).__name__) for scan in shared])
    with contextlib.ExitStack() as stack:
        with pool_starting(context), _main_hidden():
            pool = stack.enter_context(_Pool(workers - 1, initializer=_init_worker, initargs=(setup,),
                                             context=context))
        yield from _Shared(pool, scans, units).results()


@contextlib.contextmanager
def _main_hidden():
    """Start workers without the caller's ``__main__``: a spawned worker would otherwise run
    the caller's script again, and a script that calls ``build`` or ``run_checks`` need not
    be guarded by ``if __name__ == "__main__":`` (a module named ``__main__`` is never
    imported again by a worker). The workers need only the checks' modules."""
    import importlib.machinery
    import sys
    import types

    main = sys.modules["__main__"]
    stand_in = types.ModuleType("__main__")
    stand_in.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
    sys.modules["__main__"] = stand_in
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class _Shared:
    """Units scanned by this process and a pool, yielded in unit order.

    The ``here_only`` scans run here on every unit; the others run in the pool, two units
    per free worker in flight, and here too whenever this process would otherwise wait:
    it then takes the next unit no worker has been given. So the work balances itself
    whatever the cost of each scan, and a result never depends on who computed it.

    The unit of the ``whole`` checks (the last, :func:`_units`) is given to the pool
    before any batch and counted as a worker taken until it is done: no batch is queued
    behind it, and the batches go on (here and on the other workers) while it runs. It is
    the longest unit and grows with the data (the replay reads every source again): at
    its place in the unit order it held back every batch after the first few (the window
    below) until it was done.
    """

    def __init__(self, pool, scans: list[RecordScan], units: list[tuple]):
        self.pool, self.units = pool, units
        self.processes = list(pool._pool)
        self.here = [scan.here_only for scan in scans]
        self.own_scans = [scan for scan in scans if scan.here_only]
        self.shared_scans = [scan for scan in scans if not scan.here_only]
        self.window = 3 * (len(self.processes) + 1)  # units ahead of the one yielded next
        self.own: dict[int, tuple | None] = {}  # unit -> its here_only scans' parts
        self.done: dict[int, object] = {}  # unit -> shared parts (computed here) or the pool's task
        self.batches = sum(1 for unit in units if unit[4] is not None)  # the batches come first
        self.whole = {index: pool.apply_async(_scan_in_worker, (units[index],))
                      for index in range(self.batches, len(units))}
        self.done.update(self.whole)
        self.given = 0  # batches [0, given) have their shared scans done here or given out

    def results(self):
        for index in range(len(self.units)):
            while not self._ready(index):
                self._step(index)
            yield self._combine(self.own.pop(index), self._take(self.done.pop(index)))

    def _ready(self, index: int) -> bool:
        self._feed(index)
        task = self.done.get(index)
        return index in self.own and task is not None and (isinstance(task, tuple) or task.ready())

    def _feed(self, index: int) -> None:
        """Keep two batches per free worker in flight (a worker on a whole unit is not free)."""
        free = len(self.processes) - sum(1 for task in self.whole.values() if not task.ready())
        busy = sum(1 for at, task in self.done.items()
                   if at not in self.whole and not isinstance(task, tuple) and not task.ready())
        while busy < 2 * free and self.given < min(self.batches, index + self.window):
            self.done[self.given] = self.pool.apply_async(_scan_in_worker, (self.units[self.given],))
            self.given, busy = self.given + 1, busy + 1

    def _step(self, index: int) -> None:
        """One piece of work here: the next here_only scan due, else the next batch no worker
        has, else wait for the worker's unit."""
        todo = next((i for i in range(index, min(len(self.units), index + self.window)) if i not in self.own), None)
        if todo is not None:
            self.own[todo] = _scan_unit(self.own_scans, self.units[todo])
        elif self.given < min(self.batches, index + self.window):
            self.done[self.given] = (_scan_unit(self.shared_scans, self.units[self.given]),)
            self.given += 1
        else:
            self.done[index] = (_wait(self.done[index], self.processes),)

    @staticmethod
    def _take(task) -> tuple | None:
        return task[0] if isinstance(task, tuple) else task.get()

    def _combine(self, own, shared):
        """The parts (and seconds) of every scan, in the scans' order; None: unreadable."""
        if own is None or shared is None:
            return None
        parts, seconds = [], []
        mine, theirs = iter(zip(*own)), iter(zip(*shared))
        for here in self.here:
            part, spent = next(mine if here else theirs)
            parts.append(part)
            seconds.append(spent)
        return parts, seconds


def _wait(task, processes) -> tuple:
    """The task's result; a worker that died (killed, out of memory) raises instead of hanging."""
    while True:
        try:
            return task.get(timeout=0.5)
        except multiprocessing.TimeoutError:
            dead = [p for p in processes if p.exitcode is not None]
            if dead:
                raise ScanFailed(f"a gate worker died (exit code {dead[0].exitcode}; out of memory?); "
                                 "run again, or with --workers 1") from None


_WORKER_SCANS: list[RecordScan] = []


def _init_worker(setup: tuple) -> None:
    """Open the folder again and set the scans up (a spawned worker shares nothing). Signals
    are the parent's business, as in :func:`corpuskit.engine._init_worker`."""
    import importlib

    from corpuskit._check.folder import open_folder
    from corpuskit.engine import ignore_stops

    ignore_stops()
    path, root, overrides, allowed_inputs, warnings, memo, kinds = setup
    folder = open_folder(path, root=root, overrides=overrides, allowed_inputs=allowed_inputs)
    folder.warnings, folder.memo = warnings, memo
    _WORKER_SCANS[:] = [getattr(importlib.import_module(module), name)(folder) for module, name in kinds]


def _scan_in_worker(unit: tuple) -> tuple:
    return _scan_unit(_WORKER_SCANS, unit)

