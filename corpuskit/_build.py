"""``build``: read → clean (parallel, streaming) → dedup → publish, atomically.

Stages:

1. Readers stream records in a fixed order; per-record steps run on fixed-size
   batches in worker processes; cleaned records are spilled to disk in order,
   while the dedup engine keeps only compact signatures in memory.
2. The dedup engine resolves clusters from the signatures alone (an engine that
   needs text may load records by index from the spill with ``fetch``).
3. One ordered pass over the spill writes the kept records (with the copies
   merged into them) and the removed ones (with their reason) as parquet
   shards into a staging folder, then the card, the saved configuration and
   the manifest. The staging folder is renamed into place in one step: a failed
   or interrupted build leaves no partial version behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from corpuskit.config import Config
from corpuskit.errors import PublishError
from corpuskit.engine import Engine, configured_engine
from corpuskit.pipeline import EMPTY_TEXT, Pipeline
from corpuskit.publish import manifest as manifest_mod
from corpuskit.publish.schema import record_schema, removed_schema
from corpuskit.publish.writer import ShardWriter, parquet_options
from corpuskit.readers import IdCounter, Reader, expand_inputs
from corpuskit.release import release_files
from corpuskit.spill import ArrowEncoder, Spill, decode_table, with_ids
from corpuskit._dedup.apply import write_outputs

log = logging.getLogger(__name__)

Progress = Callable[[int, int, int], None]  # records done, bytes done, bytes total


@dataclass
class BuildResult:
    folder: str
    status: str  # "published" or "unchanged"
    rows: int
    removed: int
    stats: list[dict]
    seconds: float
    inputs: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    workers: int = 1
    records_in: int = 0

    def stats_table(self) -> dict:
        """Everything the build measured, including times (never published: times vary)."""
        steps = [dict(s, seconds=round(self.timings.get(f"step:{s['step']}", 0.0), 3))
                 for s in self.stats]
        stages = {k: round(v, 3) for k, v in self.timings.items()
                  if not k.startswith(("step:", "worker:"))}
        in_workers = {k.split(":", 1)[1]: round(v, 3) for k, v in self.timings.items()
                      if k.startswith("worker:")}
        return {
            "records_in": self.records_in,
            "rows": self.rows,
            "removed": self.removed,
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records_in / self.seconds, 1) if self.seconds else None,
            "steps": steps,
            "stages": stages,
            "worker_overheads": in_workers,
            "note": "step and worker seconds are summed over worker processes; stage seconds are wall time",
        }


class GateError(PublishError):
    """The staged version fails the gate: nothing is published; one line per failing check."""


def _input_trees(items: Sequence[str], root: str | None) -> list[str]:
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


def gate_settings(config: Config) -> dict:
    """The gate relaxations set in ``[check]`` (``skip``, ``allow_empty``), validated."""
    from corpuskit._check import check_names
    from corpuskit.errors import ConfigError

    skip = config.check.get("skip", [])
    allow_empty = config.check.get("allow_empty", False)
    if not isinstance(skip, list) or not all(isinstance(s, str) for s in skip):
        raise ConfigError(f"[check] skip must be a list of check names, e.g. [\"records.min_chars\"], "
                          f"not {skip!r}")
    known = check_names()
    families = {name.split(".", 1)[0] for name in known}
    for name in skip:
        if name not in known and name not in families:
            raise ConfigError(f"[check] skip: unknown check {name!r} (known: {', '.join(known)})")
    if not isinstance(allow_empty, bool):
        raise ConfigError(f"[check] allow_empty must be true or false, not {allow_empty!r}")
    return {"skip": skip, "allow_empty": allow_empty}


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
    from corpuskit.errors import InputError
    from corpuskit.publish import workspace

    started = time.perf_counter()
    settings = gate_settings(config)
    if inputs:
        files, trees = expand_inputs(inputs, root=None), _input_trees(inputs, None)
    else:
        files, trees = (expand_inputs(config.inputs, root=config.root),
                        _input_trees(config.inputs, config.root))
    if not files:
        raise InputError("no inputs: give INPUT paths or set inputs in the configuration")
    if not inputs:
        unmatched = config.encoding_plan().unmatched(files)
        if unmatched:
            from corpuskit.errors import ConfigError

            raise ConfigError(f"encodings.{unmatched[0]!r} matches none of the inputs; "
                              "fix the path or remove the entry")
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
        result = _build_into(config, files, folder.stage, folder.spill,
                             engine or configured_engine(config, workers), progress,
                             on_error or config.on_error, report)
        if not result.rows and not settings["allow_empty"]:
            raise PublishError(_nothing_left(result, folder.stage))
        release_files(folder.stage, target, config)  # refuses an understated version; CHANGELOG.md
        if gate:
            _run_gate(config, folder.stage)
        status = _publish(folder.stage, target)
        published = True
    finally:
        folder.release()
        if not published:
            workspace.remove_empty(created)
    result.folder = target
    result.status = status
    result.seconds = time.perf_counter() - started
    return result


def _nothing_left(result: BuildResult, staged: str) -> str:
    """Why a build has no records to publish, naming the inputs or the removal reasons."""
    if not result.records_in:
        shown = ", ".join(i["path"] for i in result.inputs[:3]) + (" …" if len(result.inputs) > 3 else "")
        return (f"no records to publish: the inputs hold no articles ({shown}); add articles, "
                "or set [check] allow_empty = true to publish an empty dataset")
    reasons = manifest_mod.read_manifest(staged).get("removed_by_reason", {})
    listed = ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
    return (f"no records to publish: all {result.records_in} records were removed ({listed}); "
            "check the pipeline settings, or set [check] allow_empty = true to publish an empty dataset")


def _run_gate(config: Config, staged: str) -> None:
    """Run the gate's static checks on the staged version; raise :class:`GateError` on failure."""
    from corpuskit._check import run_checks

    report = run_checks(staged, load=False, root=config.root)
    failed = report.failed()
    if failed:
        raise GateError(
            f"the staged version fails {len(failed)} check(s) of the gate; nothing was published "
            "(fix the inputs or configuration; a check is relaxed only by [check] skip):\n"
            + "\n".join(f"  {result.line()}" for result in failed))


def _build_into(config: Config, files: list[str], staging: str, spill_dir: str,
                runner: Engine, progress: Progress | None, on_error: str, report) -> BuildResult:
    record_steps = [s for s in config.pipeline if s.kind == "record"]
    dedup_step = next((s for s in config.pipeline if s.kind == "corpus"), None)
    engine = dedup_step.engine() if dedup_step else None
    annotate = bool(dedup_step and dedup_step.params.mode == "annotate")
    pipeline = Pipeline(record_steps, signature=engine.signature if engine is not None else None,
                        encode=ArrowEncoder())
    reader = Reader(files, root=config.root, on_error=on_error, report=report,
                    encodings=config.encoding_plan(), options=config.read_options)
    total_bytes = sum(os.path.getsize(f) for f in files)
    os.makedirs(staging, exist_ok=True)
    spill = Spill(spill_dir)
    workers = runner.workers
    # ``workers`` is the build's whole CPU budget: with one, nothing runs beside the main thread
    threaded = workers > 1
    removed_writer = ShardWriter(os.path.join(staging, "removed"), "train", removed_schema(),
                                 config.shard_bytes, removed=True, threaded=threaded)
    train_writer = ShardWriter(os.path.join(staging, "data"), "train", record_schema(annotate),
                               config.shard_bytes, threaded=threaded)
    try:
        return _run_stages(config, reader, pipeline, engine, annotate, dedup_step, record_steps,
                           staging, spill, train_writer, removed_writer, total_bytes, runner, progress)
    finally:
        spill.finish()
        train_writer.abort()
        removed_writer.abort()


def _run_stages(config, reader, pipeline, engine, annotate, dedup_step, record_steps, staging,
                spill, train_writer, removed_writer, total_bytes, runner, progress) -> BuildResult:
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    done = 0
    index = 0
    add = engine.add if engine is not None else None
    ids = IdCounter()
    # closed on any exit, so an interrupted build shuts its worker pool down at once
    workers = runner.workers
    with contextlib.closing(runner.map(pipeline, reader.units())) as results:
        for result in results:
            for error in result.errors:  # skipped while parsing in the worker: reported in input order
                reader.report_skipped(error)
            final = [ids.final(base) for base in result.ids]
            kept, dropped = result.kept, result.dropped
            if final != result.ids:  # repeated ids get their suffix here, where all units are seen in order
                kept = with_ids(kept, final, result.kept_at)
                dropped = with_ids(dropped, final, result.dropped_at)
            spill.append(kept, result.kept_count)
            if add is not None:
                for signature in result.signatures:
                    add(index, signature)
                    index += 1
            if result.dropped_count:
                removed_writer.write_table(decode_table(dropped))
            done += result.records_in
            if progress:
                progress(done, reader.bytes_read, total_bytes)
    spill.finish()
    timings["read_and_clean"] = time.perf_counter() - clock
    step_stats = [pipeline.stats[s.name].to_dict() for s in record_steps]
    removed_reasons: Counter = Counter()
    for s in record_steps:
        removed_reasons.update(pipeline.stats[s.name].dropped)
    if EMPTY_TEXT in pipeline.stats:  # records without text: removed before and after the steps
        removed_reasons.update(pipeline.stats[EMPTY_TEXT].dropped)
    for name, stats in pipeline.stats.items():
        if name not in {s.name for s in record_steps}:
            timings[f"worker:{name}"] = round(stats.seconds, 3)

    clock = time.perf_counter()
    clusters = engine.resolve(spill.fetch, threads=workers) if engine is not None else None
    timings["dedup"] = time.perf_counter() - clock

    clock = time.perf_counter()
    dedup_stats = write_outputs(spill, clusters, annotate, train_writer, removed_writer,
                                 removed_reasons)
    if dedup_step is not None:
        step_stats.append(dedup_stats.to_dict())
    data_files = train_writer.close()
    if not data_files:
        data_files = _empty_shard(train_writer)
    removed_files = removed_writer.close()
    timings["write"] = time.perf_counter() - clock
    for s in step_stats:
        seconds = s.pop("seconds")
        timings[f"step:{s['step']}"] = timings["dedup"] if s["step"] == "dedup" else seconds
    clock = time.perf_counter()
    inputs = [manifest_mod.describe_input(src) for src in reader.sources]
    manifest_mod.write_metadata(
        staging, config=config, data_files=data_files, removed_files=removed_files,
        schema=record_schema(annotate), rows=train_writer.rows, removed_rows=removed_writer.rows,
        stats=step_stats, inputs=inputs, removed_reasons=dict(removed_reasons),
        skipped=[str(e) for e in reader.skipped],
    )
    timings["metadata"] = time.perf_counter() - clock
    return BuildResult(folder=staging, status="staged", rows=train_writer.rows,
                       removed=removed_writer.rows, stats=step_stats, seconds=0.0,
                       inputs=inputs, timings=timings, workers=workers, records_in=done)


def _empty_shard(writer: ShardWriter) -> list[str]:
    import pyarrow.parquet as pq

    os.makedirs(writer.folder, exist_ok=True)
    path = os.path.join(writer.folder, f"{writer.split}-00000-of-00001.parquet")
    pq.write_table(pa.Table.from_pylist([], schema=writer.schema), path, **parquet_options())
    return [path]


def _publish(staging: str, target: str) -> str:
    """Rename the staged version onto ``target`` in one step (never through a symlink)."""
    if os.path.islink(target):
        raise PublishError(f"{target} is a symbolic link; publishing never writes through a symlink")
    if os.path.isdir(target) and not os.listdir(target):
        os.rmdir(target)  # an empty folder made for us (e.g. by mkdtemp) is not a version
    if os.path.exists(target):
        if manifest_mod.tree_digests(staging) == manifest_mod.tree_digests(target):
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


def write_json(path: str, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
