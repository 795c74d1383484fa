"""``build``: read → clean (parallel, streaming) → dedup → publish, atomically.

Stages:

1. Readers stream records in a fixed order; per-record steps run on fixed-size
   batches in worker processes; cleaned records are spilled to disk in order,
   while the dedup engine keeps only compact signatures in memory.
2. The dedup engine resolves clusters, fetching from the spill only the records
   a verification needs.
3. One ordered pass over the spill writes the kept records (with the copies
   merged into them) and the removed ones (with their reason) as parquet
   shards into a staging folder, then the card, the saved configuration and
   the manifest. The staging folder is renamed into place in one step: a failed
   or interrupted build leaves no partial version behind.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from corpuskit.config import Config
from corpuskit.errors import PublishError
from corpuskit.pipeline import Pipeline, default_workers, run
from corpuskit.publish import manifest as manifest_mod
from corpuskit.publish.card import render_card
from corpuskit.publish.schema import record_schema, removed_schema
from corpuskit.publish.writer import ShardWriter
from corpuskit.readers import Reader, expand_inputs
from corpuskit.steps import StepStats

log = logging.getLogger(__name__)

Progress = Callable[[int, int, int], None]  # records done, bytes done, bytes total


class Spill:
    """Append-only on-disk store of cleaned records, read back in order or by index."""

    def __init__(self, folder: str):
        self.path = os.path.join(folder, "records.spill")
        self._handle = open(self.path, "wb")
        self._offsets: list[int] = []  # file offset of each batch
        self._firsts: list[int] = []  # index of the first record of each batch
        self.count = 0

    def append(self, records: list[dict]) -> None:
        if not records:
            return
        self._offsets.append(self._handle.tell())
        self._firsts.append(self.count)
        pickle.dump(records, self._handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += len(records)

    def finish(self) -> None:
        if not self._handle.closed:
            self._handle.close()

    def scan(self) -> Iterator[tuple[int, dict]]:
        index = 0
        with open(self.path, "rb") as handle:
            for _ in self._offsets:
                for record in pickle.load(handle):
                    yield index, record
                    index += 1

    def fetch(self, indices: Sequence[int]) -> list[dict]:
        """Records at ``indices`` (any order), loading each needed batch once."""
        import bisect

        wanted: dict[int, list[int]] = {}
        for i in indices:
            wanted.setdefault(bisect.bisect_right(self._firsts, i) - 1, []).append(i)
        found: dict[int, dict] = {}
        with open(self.path, "rb") as handle:
            for batch_no in sorted(wanted):
                handle.seek(self._offsets[batch_no])
                batch = pickle.load(handle)
                for i in wanted[batch_no]:
                    found[i] = batch[i - self._firsts[batch_no]]
        return [found[i] for i in indices]


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


def _clean_stale(parent: str) -> None:
    if not os.path.isdir(parent):
        return
    for name in os.listdir(parent):
        if not name.startswith(".tmp-"):
            continue
        pid = name.rsplit("-", 1)[-1]
        alive = False
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
                alive = int(pid) != os.getpid()
            except OSError:
                alive = False
        if not alive:
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def build(config: Config, inputs: Sequence[str] | None = None, out: str | None = None,
          workers: int | None = None, progress: Progress | None = None,
          on_error: str | None = None, report=None) -> BuildResult:
    """Build and publish ``config``'s dataset; return where and what was published."""
    started = time.perf_counter()
    files = expand_inputs(inputs, root=None) if inputs else expand_inputs(config.inputs, root=config.root)
    if not files:
        from corpuskit.errors import InputError

        raise InputError("no inputs: give INPUT paths or set inputs in the configuration")
    target = os.path.abspath(out or os.path.join(config.root, "dist", config.name, config.version))
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    _clean_stale(parent)
    staging = os.path.join(parent, f".tmp-{os.path.basename(target)}-{os.getpid()}")
    spill_dir = tempfile.mkdtemp(prefix=".tmp-spill-", dir=parent)
    try:
        result = _build_into(config, files, staging, spill_dir, workers, progress,
                             on_error or config.on_error, report)
        status = _publish(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)
    result.folder = target
    result.status = status
    result.seconds = time.perf_counter() - started
    return result


def _build_into(config: Config, files: list[str], staging: str, spill_dir: str,
                workers: int | None, progress: Progress | None, on_error: str, report) -> BuildResult:
    record_steps = [s for s in config.pipeline if s.kind == "record"]
    dedup_step = next((s for s in config.pipeline if s.kind == "corpus"), None)
    engine = dedup_step.engine() if dedup_step else None
    annotate = bool(dedup_step and dedup_step.params.mode == "annotate")
    pipeline = Pipeline(record_steps, signature=engine.signature if engine else None)
    reader = Reader(files, root=config.root, on_error=on_error, report=report)
    total_bytes = sum(os.path.getsize(f) for f in files)
    os.makedirs(staging)
    spill = Spill(spill_dir)
    removed_writer = ShardWriter(os.path.join(staging, "removed"), "train", removed_schema(),
                                 config.shard_bytes, removed=True)
    train_writer = ShardWriter(os.path.join(staging, "data"), "train", record_schema(annotate),
                               config.shard_bytes)
    try:
        return _run_stages(config, reader, pipeline, engine, annotate, dedup_step, record_steps,
                           staging, spill, train_writer, removed_writer, total_bytes, workers, progress)
    finally:
        spill.finish()
        train_writer.abort()
        removed_writer.abort()


def _run_stages(config, reader, pipeline, engine, annotate, dedup_step, record_steps, staging,
                spill, train_writer, removed_writer, total_bytes, workers, progress) -> BuildResult:
    removed_reasons: Counter = Counter()
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    done = 0
    index = 0
    done_bytes = 0
    for result in run(pipeline, _counting(reader), workers=workers or default_workers()):
        spill.append(result.kept)
        if engine is not None:
            for signature in result.signatures:
                engine.add(index, signature)
                index += 1
        removed_writer.write(result.dropped)
        for record in result.dropped:
            removed_reasons[record["removed"]["reason"]] += 1
        done += len(result.kept) + len(result.dropped)
        if progress:
            done_bytes = _bytes_done(reader, result)
            progress(done, done_bytes, total_bytes)
    spill.finish()
    timings["read_and_clean"] = time.perf_counter() - clock
    step_stats = [pipeline.stats[s.name].to_dict() for s in record_steps]

    clock = time.perf_counter()
    clusters = engine.resolve(spill.fetch) if engine is not None else None
    timings["dedup"] = time.perf_counter() - clock

    clock = time.perf_counter()
    dedup_stats = StepStats("dedup")
    ids: dict[int, tuple[str, dict]] = {}
    if clusters is not None and clusters.kept_of:
        needed = set(clusters.kept_of) | set(clusters.members)
        for i, record in spill.scan():
            if i in needed:
                ids[i] = (record["id"], record["source"])
    for i, record in spill.scan():
        dedup_stats.records_in += 1 if clusters is not None else 0
        if clusters is not None and i in clusters.kept_of:
            kept = clusters.kept_of[i]
            member = next(m for m in clusters.members[kept] if m.index == i)
            dedup_stats.counters[f"match:{member.match}"] += 1
            if annotate:
                train_writer.write([dict(record, cluster=ids[kept][0])])
                continue
            dedup_stats.dropped["duplicate"] += 1
            removed_reasons["duplicate"] += 1
            removed_writer.write([dict(record, removed={
                "step": "dedup", "reason": "duplicate",
                "detail": f"{member.match} copy of {ids[kept][0]}",
                "duplicate_of": ids[kept][0], "similarity": member.similarity, "match": member.match,
            })])
            continue
        if clusters is not None and i in clusters.members:
            merged = [{"id": ids[m.index][0], "source": ids[m.index][1], "similarity": m.similarity,
                       "match": m.match} for m in sorted(clusters.members[i], key=lambda m: m.index)]
            record = dict(record, merged=merged, steps=record["steps"] + ["dedup"])
            dedup_stats.changed += 1
        if annotate:
            record = dict(record, cluster=record["id"])
        train_writer.write([record])
    if dedup_step is not None:
        step_stats.append(dedup_stats.to_dict())
    data_files = train_writer.close()
    if not data_files:
        data_files = _empty_shard(train_writer)
    removed_files = removed_writer.close()
    timings["write"] = time.perf_counter() - clock
    for s in step_stats:
        timings[f"step:{s['step']}"] = s.pop("seconds")
    inputs = [manifest_mod.describe_input(src) for src in reader.sources]
    manifest_mod.write_metadata(
        staging, config=config, data_files=data_files, removed_files=removed_files,
        schema=record_schema(annotate), rows=train_writer.rows, removed_rows=removed_writer.rows,
        stats=step_stats, inputs=inputs, removed_reasons=dict(removed_reasons),
        skipped=[str(e) for e in reader.skipped],
    )
    return BuildResult(folder=staging, status="staged", rows=train_writer.rows,
                       removed=removed_writer.rows, stats=step_stats, seconds=0.0,
                       inputs=inputs, timings=timings)


def _counting(reader: Reader) -> Iterator[dict]:
    yield from reader


def _bytes_done(reader: Reader, result) -> int:
    finished = sum(os.path.getsize(s.abspath) for s in reader.sources[:-1])
    last = (result.kept or result.dropped)
    if last:
        return finished + last[-1]["source"]["end_byte"]
    return finished


def _empty_shard(writer: ShardWriter) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    os.makedirs(writer.folder, exist_ok=True)
    path = os.path.join(writer.folder, f"{writer.split}-00000-of-00001.parquet")
    pq.write_table(pa.Table.from_pylist([], schema=writer.schema), path, compression="zstd")
    return [path]


def _tree_digest(folder: str) -> dict[str, str]:
    import hashlib

    digests = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                digests[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return digests


def _publish(staging: str, target: str) -> str:
    if os.path.isdir(target) and not os.listdir(target):
        os.rmdir(target)  # an empty folder made for us (e.g. by mkdtemp) is not a version
    if os.path.exists(target):
        if _tree_digest(staging) == _tree_digest(target):
            shutil.rmtree(staging, ignore_errors=True)
            return "unchanged"
        raise PublishError(
            f"{target} is already published with different content; published versions "
            "are immutable: raise 'version' in the configuration to publish the change"
        )
    os.rename(staging, target)
    return "published"


def write_json(path: str, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
