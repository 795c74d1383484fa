"""``build``: read → clean (parallel, streaming) → corpus steps → publish, atomically.

This module only runs stages; each one's work lives elsewhere:

1. ``read_and_clean``: the reader (:mod:`corpuskit.readers`) cuts the inputs into
   units of work; an engine (:mod:`corpuskit.engine`) runs the record steps and
   the corpus steps' signatures on them (:class:`~corpuskit.pipeline.Runner`);
   here, in input order, ids get their suffixes (:mod:`corpuskit.ids`), kept rows
   go to the spill (:mod:`corpuskit.spill`), dropped ones to ``removed/``, and
   signatures to each corpus step's collector.
2. ``resolve``: each collector decides from its signatures (e.g. dedup's clusters).
3. ``write``: one ordered pass over the spill; each collector applies its decision
   to every batch (:class:`~corpuskit.steps.base.Collector`), and the kept rows
   become the ``data/`` shards.
4. ``metadata``: the card, the saved configuration and the manifest.

Everything is written into a staging folder that is renamed into place in one
step after the gate passes (:mod:`corpuskit.publish.workspace`): a failed or
interrupted build leaves no partial version behind.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from corpuskit._build_result import BuildResult, nothing_left, write_json  # noqa: F401 (write_json: cli)
from corpuskit._dedup.memo import MemoWriter
from corpuskit._memory import trim_heap
from corpuskit.config import Config
from corpuskit.engine import Engine, configured_engine, default_workers
from corpuskit.errors import PublishError
from corpuskit.ids import IdCounter, final_ids
from corpuskit.pipeline import EMPTY_TEXT, Runner
from corpuskit.publish import manifest as manifest_mod
from corpuskit.publish.schema import record_schema, removed_schema
from corpuskit.publish.writer import ShardWriter, parquet_options
from corpuskit.readers import Reader, expand_inputs
from corpuskit.release import release_files
from corpuskit.spill import ArrowEncoder, Spill, decode_table
from corpuskit.steps.base import Collector, RowBatch

Progress = Callable[[int, int, int], None]  # records done, bytes done, bytes total


def build(config: Config, inputs: Sequence[str] | None = None, out: str | None = None,
          workers: int | None = None, progress: Progress | None = None,
          on_error: str | None = None, report=None, gate: bool = True,
          engine: Engine | None = None) -> BuildResult:
    """Build, check and publish ``config``'s dataset; return where and what was published.

    Every file is written inside the build's own folder (see
    :mod:`corpuskit.publish.workspace`) and the version is renamed into place only
    after it passes the gate's static checks; on any failure or interruption the
    folder is removed and nothing is published. ``gate=False`` is for
    ``check --rebuild``, which checks the published folder itself. ``engine``
    runs the per-record work (default: the configuration's ``engine``, with ``workers``).
    """
    from corpuskit._check.gate import gate_settings, run_gate
    from corpuskit.publish import workspace

    started = time.perf_counter()
    settings = gate_settings(config)
    files, trees = _inputs(config, inputs)
    target = os.path.abspath(out or os.path.join(config.root, "dist", config.name, config.version))
    workspace.check_target(target, trees)
    created: list[str] = []
    folder = workspace.BuildFolder(target)
    published = False
    try:
        try:
            created = workspace.make_parents(os.path.dirname(target))
            folder.acquire()
        except OSError as exc:
            raise PublishError(f"--out {target}: cannot create the build folder beside it "
                               f"({exc.strerror}: {exc.filename}); choose a writable --out") from None
        workspace.sweep(os.path.dirname(target), keep=folder.path)
        engine = engine or configured_engine(config, workers)
        memo = os.path.join(folder.spill, "dedup-memo") if gate else None  # never published
        result = _build_into(config, files, folder.stage, folder.spill, engine, progress,
                             on_error or config.on_error, report, memo)
        if not result.rows and not settings["allow_empty"]:
            raise PublishError(nothing_left(result, folder.stage))
        release_files(folder.stage, target, config)  # refuses an understated version; CHANGELOG.md
        if gate:
            run_gate(config, folder.stage, min(engine.workers, default_workers()),  # local processes
                     memo=memo if os.path.isdir(memo) else None)
        status = workspace.publish(folder.stage, target)
        published = True
    finally:
        folder.release()
        if not published:
            workspace.remove_empty(created)
    result.folder = target
    result.status = status
    result.seconds = time.perf_counter() - started
    return result


def _inputs(config: Config, inputs: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """The input files (the command line's, else the configuration's) and the trees they name."""
    from corpuskit.errors import ConfigError, InputError
    from corpuskit.publish.workspace import input_trees

    items, root = (inputs, None) if inputs else (config.inputs, config.root)
    files = expand_inputs(items, root=root)
    if not files:
        raise InputError("no inputs: give INPUT paths or set inputs in the configuration")
    unmatched = [] if inputs else config.encoding_plan().unmatched(files)
    if unmatched:
        raise ConfigError(f"encodings.{unmatched[0]!r} matches none of the inputs; "
                          "fix the path or remove the entry")
    return files, input_trees(items, root)


@dataclass
class _Run:
    """One build's parts, shared by its stages."""

    config: Config
    reader: Reader
    runner: Runner
    engine: Engine
    collectors: list[Collector]
    spill: Spill
    data: ShardWriter
    removed: ShardWriter
    staging: str
    progress: Progress | None
    schema: pa.Schema  # of the published rows (the corpus steps may add columns)
    memo: MemoWriter | None = None  # the dedup signatures, for the gate (corpuskit._dedup.memo)
    timings: dict[str, float] = field(default_factory=dict)
    removed_reasons: Counter = field(default_factory=Counter)
    records_in: int = 0

    @contextlib.contextmanager
    def timed(self, stage: str):
        clock = time.perf_counter()
        yield
        self.timings[stage] = time.perf_counter() - clock


def _build_into(config: Config, files: list[str], staging: str, spill_dir: str,
                engine: Engine, progress: Progress | None, on_error: str, report,
                memo: str | None = None) -> BuildResult:
    runner = Runner.of(config.pipeline, encode=ArrowEncoder())
    schema = record_schema()
    for step in runner.corpus:
        schema = step.output_schema(schema)
    reader = Reader(files, root=config.root, on_error=on_error, report=report,
                    encodings=config.encoding_plan(), options=config.read_options)
    os.makedirs(staging, exist_ok=True)
    # ``workers`` is the build's whole CPU budget: with one, nothing runs beside the main thread
    threaded = engine.workers > 1
    run = _Run(config, reader, runner, engine, [step.collector() for step in runner.corpus],
               Spill(spill_dir),
               ShardWriter(os.path.join(staging, "data"), "train", schema, config.shard_bytes,
                           threaded=threaded),
               ShardWriter(os.path.join(staging, "removed"), "train", removed_schema(),
                           config.shard_bytes, removed=True, threaded=threaded),
               staging, progress, schema)
    if memo and any(step.name == "dedup" and step.params.mode == "drop" for step in runner.corpus):
        run.memo = MemoWriter(memo)
    try:
        with run.timed("read_and_clean"):
            _read_and_clean(run, sum(os.path.getsize(f) for f in files))
        for collector in run.collectors:
            collector.resolve(run.spill, threads=engine.workers)
            run.timings[collector.step.name] = collector.stats.seconds
        with run.timed("write"):
            data_files, removed_files = _write(run)
        with run.timed("metadata"):
            return _metadata(run, data_files, removed_files)
    finally:
        run.spill.finish()
        if run.memo is not None:
            run.memo.abort()
        run.data.abort()
        run.removed.abort()


def _read_and_clean(run: _Run, total_bytes: int) -> None:
    """Stage 1: units through the engine; in input order, final ids, spill, removed rows, signatures."""
    ids = IdCounter()
    index = 0  # of the next kept record: what its signatures are added under
    # closed on any exit: an interrupted build shuts its worker pool down at once, and the
    # reader closes the file it streams (a unit's parse error surfaces in ``results``)
    with contextlib.closing(run.reader.units()) as units, \
            contextlib.closing(run.engine.map(run.runner, units)) as results:
        for result in results:
            for error in result.errors:  # skipped while parsing in the worker: reported in input order
                run.reader.report_skipped(error)
            kept, dropped = final_ids(ids, result)
            run.spill.append(kept, result.kept_count)
            for collector, signatures in zip(run.collectors, result.signatures):
                add = collector.add
                for j, signature in enumerate(signatures):
                    add(index + j, signature)
                if run.memo is not None and collector.step.name == "dedup":
                    run.memo.append(signatures)
            index += result.kept_count
            if result.dropped_count:
                run.removed.write_table(decode_table(dropped))
            run.records_in += result.records_in
            if run.progress:
                run.progress(run.records_in, run.reader.bytes_read, total_bytes)
    run.spill.finish()
    if run.memo is not None:
        run.memo.close()
    for step in run.runner.steps:
        run.removed_reasons.update(run.runner.stats[step.name].dropped)
    if run.runner.empty:  # records without text: removed before and after the steps
        run.removed_reasons[EMPTY_TEXT] += run.runner.empty


def _write(run: _Run) -> tuple[list[str], list[str]]:
    """Stage 3: one ordered pass over the spill, each corpus step applied to every batch."""
    for first, table in run.spill.batches():
        batch = RowBatch(np.arange(first, first + table.num_rows, dtype=np.int64), table)
        for collector in run.collectors:
            batch, removed = collector.apply(batch)
            if removed is not None:
                run.removed.write_table(removed)
        run.data.write_table(batch.table)
    for collector in run.collectors:
        run.removed_reasons.update(collector.stats.dropped)
    written = run.data.close() or _empty_shard(run.data), run.removed.close()
    trim_heap()  # the writers' freed buffers: the metadata stage and the gate need not carry them
    return written


def _metadata(run: _Run, data_files: list[str], removed_files: list[str]) -> BuildResult:
    """Stage 4: the statistics, card, configuration and manifest of the staged version."""
    stats = ([run.runner.stats[step.name].to_dict() for step in run.runner.steps]
             + [collector.stats.to_dict() for collector in run.collectors])
    for s in stats:  # times vary from run to run: never published
        run.timings[f"step:{s['step']}"] = s.pop("seconds")
    for name, seconds in run.runner.overheads.items():
        run.timings[f"worker:{name}"] = round(seconds, 3)
    inputs = [manifest_mod.describe_input(src) for src in run.reader.sources]
    manifest_mod.write_metadata(
        run.staging, config=run.config, data_files=data_files, removed_files=removed_files,
        schema=run.schema, rows=run.data.rows, removed_rows=run.removed.rows, stats=stats,
        inputs=inputs, removed_reasons=dict(run.removed_reasons),
        skipped=[str(e) for e in run.reader.skipped], concurrent=run.engine.workers > 1,
    )
    return BuildResult(folder=run.staging, status="staged", rows=run.data.rows,
                       removed=run.removed.rows, stats=stats, seconds=0.0, inputs=inputs,
                       timings=run.timings, workers=run.engine.workers, records_in=run.records_in,
                       engine=run.engine.describe())


def _empty_shard(writer: ShardWriter) -> list[str]:
    import pyarrow.parquet as pq

    os.makedirs(writer.folder, exist_ok=True)
    path = os.path.join(writer.folder, f"{writer.split}-00000-of-00001.parquet")
    pq.write_table(pa.Table.from_pylist([], schema=writer.schema), path, **parquet_options())
    return [path]
