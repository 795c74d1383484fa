"""The gate the build runs before publishing: its cost against the build, in the same run.

``.venv/bin/pytest benchmarks/bench_gate.py --benchmark-only -s`` builds
``CORPUSKIT_BENCH_GATE_N`` generated articles (default 5,000; one worker, the gate
off) and then times the gate's static checks (what ``build`` runs on the staged
version) on the result, on ``CORPUSKIT_BENCH_GATE_WORKERS`` processes (default 2, as
the build passes its ``--workers``). Prints wall and CPU seconds (this process and its
workers) of both, their ratio, the slowest checks (CPU seconds of their part of the
shared pass) and the peak memory: of this process over the whole run, and of the
process tree (RSS sum, as the build's targets count it) during the gate.
"""

from __future__ import annotations

import importlib.util
import os
import resource
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG = """\
name = "gate"
version = "1.0.0"
inputs = ["in"]
[[pipeline]]
step = "fix_encoding"
[[pipeline]]
step = "normalize_whitespace"
[[pipeline]]
step = "strip_boilerplate"
[[pipeline]]
step = "dedup"
"""


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def test_gate_cost_against_the_build(benchmark, tmp_path):
    from corpuskit._build import build
    from corpuskit._check import run_checks
    from corpuskit.config import load_config

    n = int(os.environ.get("CORPUSKIT_BENCH_GATE_N", "5000"))
    spec = importlib.util.spec_from_file_location("corpuskit_bench_generate", HERE / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    (tmp_path / "in").mkdir()
    generate.write_jsonl(tmp_path / "in" / "news.jsonl", n, seed=1, pool=False)
    (tmp_path / "corpuskit.toml").write_text(CONFIG)
    wall, cpu = time.perf_counter(), _cpu()
    result = build(load_config(root=str(tmp_path)), workers=1, gate=False)
    build_wall, build_cpu = time.perf_counter() - wall, _cpu() - cpu
    workers = int(os.environ.get("CORPUSKIT_BENCH_GATE_WORKERS", "2"))
    wall, cpu = time.perf_counter(), _cpu()
    with _TreePeak() as tree:
        report = benchmark.pedantic(run_checks, args=(result.folder,),
                                    kwargs={"load": False, "root": str(tmp_path), "workers": workers},
                                    rounds=1, iterations=1)
    gate_wall, gate_cpu = time.perf_counter() - wall, _cpu() - cpu
    slowest = sorted(((round(r.seconds, 1), r.name) for r in report.results), reverse=True)[:4]
    figures = {"articles": n, "rows": result.rows, "build_wall": round(build_wall, 1),
               "build_cpu": round(build_cpu, 1), "gate_workers": workers, "gate_wall": round(gate_wall, 1),
               "gate_cpu": round(gate_cpu, 1), "gate_over_build_cpu": round(gate_cpu / build_cpu, 2),
               "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
               "gate_tree_peak_rss_mb": tree.peak // 2**20, "slowest": slowest}
    benchmark.extra_info.update(figures)
    print(figures)


class _TreePeak:
    """The peak RSS sum of this process and its children while the block runs (sampled)."""

    def __init__(self, every: float = 0.05):
        self.every, self.peak, self._stop = every, 0, threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            time.sleep(self.every)
