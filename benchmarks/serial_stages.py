"""Wall and CPU seconds of each stage of a build without the gate, for A/B runs of the serial
stages (dedup resolve, write, metadata) that the build's own timings give only as wall time.

CPU is this process's (all its threads: dedup verification, the parquet writer) and, for the
metadata stage, its children's (the card's ``datasets`` and picture children). Run from a
project folder, against each source tree back to back::

    cd TREE && PYTHONPATH=TREE nice .venv/bin/python benchmarks/serial_stages.py \\
        ~/.cache/corpuskit-bench/news-copies-200000-seed0-pool.jsonl OUT
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import time


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    from corpuskit._memory import arrow_without_pandas, one_malloc_arena

    one_malloc_arena()  # as the command line does
    arrow_without_pandas()
    import corpuskit._build as build_mod
    from corpuskit._dedup import apply
    from corpuskit.config import load_config

    seconds: dict[str, tuple[float, float, float]] = {}

    @contextlib.contextmanager
    def timed(run, stage):
        wall, cpu, children = time.perf_counter(), time.process_time(), _children()
        yield
        run.timings[stage] = time.perf_counter() - wall
        seconds[stage] = (round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2),
                          round(_children() - children, 2))

    resolve = apply.DedupCollector.resolve

    def timed_resolve(collector, rows, threads=None):
        wall, cpu = time.perf_counter(), time.process_time()
        resolve(collector, rows, threads)
        seconds["dedup"] = (round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2), 0.0)

    build_mod._Run.timed = timed
    apply.DedupCollector.resolve = timed_resolve
    wall, cpu = time.perf_counter(), time.process_time()
    build_mod.build(load_config("corpuskit.toml"), [sys.argv[1]], sys.argv[2], workers=2, gate=False)
    print("stage: [wall, CPU of this process, CPU of its children]")
    print(json.dumps(seconds))
    print(f"whole build: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} CPU-s here, "
          f"{_children():.1f} in children (the cleaning worker, the card's children)")


if __name__ == "__main__":
    main()
