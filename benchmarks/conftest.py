"""Benchmark fixtures: cached generated corpora, a benchmark project, a process-tree memory sampler.

Run with ``.venv/bin/pytest benchmarks/ --benchmark-only``. Corpora are generated
once by :mod:`benchmarks.generate` and cached in ``$CORPUSKIT_BENCH_CACHE``
(default ``~/.cache/corpuskit-bench``). ``CORPUSKIT_BENCH_LARGE=1`` adds the
200,000-article build.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
LARGE = os.environ.get("CORPUSKIT_BENCH_LARGE") == "1"


def _load_generate():
    spec = importlib.util.spec_from_file_location("corpuskit_bench_generate", HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load_generate()


def pytest_collect_file(file_path, parent):
    """Collect ``bench_*.py`` as test modules (pytest only looks for ``test_*.py``)."""
    if (file_path.suffix == ".py" and file_path.name.startswith("bench_")
            and not parent.session.isinitpath(file_path)):  # explicit paths are collected anyway
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def cache_dir() -> Path:
    folder = Path(os.environ.get("CORPUSKIT_BENCH_CACHE", Path.home() / ".cache" / "corpuskit-bench"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: the generator's copy mix for the build benchmarks (``copies``: issue 12's scale-recall corpus)
PROFILE = os.environ.get("CORPUSKIT_BENCH_PROFILE", "news")


def corpus_file(n: int, seed: int = 0, fmt: str = "jsonl", profile: str = "news") -> Path:
    """A generated corpus of ``n`` articles, written once and reused, with its ground truth
    beside it (``generate.truth_path``)."""
    pool = "pool" if generate.POOL_FILE.exists() else "grammar"
    name = "news" if profile == "news" else f"news-{profile}"
    path = cache_dir() / f"{name}-{n}-seed{seed}-{pool}.{'jsonl' if fmt == 'jsonl' else 'txt'}"
    truth = generate.truth_path(path)
    if not path.exists() or not truth.exists():
        tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
        writer = generate.write_jsonl if fmt == "jsonl" else generate.write_digest
        writer(tmp, n, seed, profile=profile, truth=generate.truth_path(tmp))
        os.replace(generate.truth_path(tmp), truth)
        os.replace(tmp, path)
    return path


CONFIG = """\
name = "bench-news"
version = "1.0.0"
language = ["en"]

[[pipeline]]
step = "fix_encoding"
[[pipeline]]
step = "normalize_whitespace"
[[pipeline]]
step = "strip_boilerplate"
[[pipeline]]
step = "normalize_variants"
[[pipeline]]
step = "detect_language"
languages = ["en"]
[[pipeline]]
step = "dedup"

[variants]
"""


def write_config(folder: Path) -> Path:
    lines = [CONFIG] + [f'"{k}" = {json.dumps(v)}' for k, v in generate.VARIANTS.items()]
    path = folder / "corpuskit.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def bench_project(tmp_path: Path) -> Path:
    write_config(tmp_path)
    return tmp_path


class TreeMemory:
    """Sample the memory of a process and all its descendants; keep the peak of the sums.

    ``peak`` sums RSS, which counts the pages forked workers share with the parent once
    per process: an upper bound of the footprint, and the figure the targets are set in.
    ``peak_pss`` (proportional set size: a shared page split between its sharers) is the
    real footprint; ``peak_uss`` counts only pages private to each process.
    """

    def __init__(self, pid: int, interval: float = 0.1):
        import psutil

        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.peak_pss = 0
        self.peak_uss = 0
        self.peak_main = 0  # the build process alone (reader, dedup index, writer)
        self.peak_workers = 0  # its worker processes together (cleaning)
        self.samples: list[tuple[float, int, int, int]] = []  # (seconds, RSS sum, PSS, USS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> tuple[int, int, int, int]:
        """RSS of the process, RSS of its descendants, PSS and USS of all of them."""
        import psutil

        rss = []
        pss = uss = 0
        try:
            processes = [self.process] + self.process.children(recursive=True)
        except psutil.Error:
            return 0, 0, 0, 0
        for proc in processes:
            try:
                info = proc.memory_full_info()
            except psutil.Error:
                rss.append(0)
                continue
            rss.append(info.rss)
            pss += getattr(info, "pss", info.rss)
            uss += getattr(info, "uss", info.rss)
        return rss[0], sum(rss[1:]), pss, uss

    def _run(self):
        started = time.perf_counter()
        while not self._stop.is_set():
            main, workers, pss, uss = self._sample()
            self.samples.append((time.perf_counter() - started, main + workers, pss, uss))
            self.peak = max(self.peak, main + workers)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_uss = max(self.peak_uss, uss)
            self.peak_main = max(self.peak_main, main)
            self.peak_workers = max(self.peak_workers, workers)
            self._stop.wait(self.interval)

    def by_stage(self, stages: dict[str, float], seconds: float) -> dict[str, dict[str, float]]:
        """Peak RSS sum and PSS (MB) during each of the build's ``stages`` (wall seconds, in
        the order they ran, ending ``seconds`` after the build started) and during ``gate``
        (the quality gate and publishing: what the stages leave of ``seconds``). The build
        starts after the interpreter's start-up: the samples' end minus ``seconds``."""
        end = self.samples[-1][0] if self.samples else 0.0
        bounds, clock = [], end - seconds
        for name in ("read_and_clean", "dedup", "write", "metadata"):
            bounds.append((name, clock, clock + stages.get(name, 0.0)))
            clock += stages.get(name, 0.0)
        bounds.append(("gate", clock, end + 1))
        out = {}
        for name, start, stop in bounds:
            picked = [s for s in self.samples if start <= s[0] < stop]
            out[name] = {"rss_sum_mb": round(max((s[1] for s in picked), default=0) / 2**20, 1),
                         "pss_mb": round(max((s[2] for s in picked), default=0) / 2**20, 1)}
        return out

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def run_build(project: Path, corpus: Path, workers: int, out: Path) -> dict:
    """Run ``corpuskit build`` in a subprocess; return throughput, peak memory and its stats."""
    import subprocess

    stats_path = out.parent / f"stats-{out.name}.json"
    command = [sys.executable, "-m", "corpuskit", "build", str(corpus), "--config",
               str(project / "corpuskit.toml"), "--out", str(out), "--workers", str(workers),
               "--stats-json", str(stats_path), "--quiet"]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with TreeMemory(process.pid) as memory:
        stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        raise RuntimeError(f"build failed ({process.returncode}): {stderr.decode()[-2000:]}")
    stats = json.loads(stats_path.read_text())
    return {
        "articles": stats["records_in"],
        "workers": workers,
        "seconds": round(seconds, 2),
        "articles_per_second": round(stats["records_in"] / seconds, 1),
        # CPU seconds of the build and its workers: other jobs on the machine slow the
        # wall clock down but not this, so it tells a noisy run from a slow build
        "cpu_seconds": round(cpu, 2),
        "cpu_utilisation": round(cpu / seconds, 2),
        "load_average_before": round(load_before, 2),
        "peak_rss_mb": round(memory.peak / 2**20, 1),
        "peak_pss_mb": round(memory.peak_pss / 2**20, 1),
        "peak_uss_mb": round(memory.peak_uss / 2**20, 1),
        "peak_rss_main_mb": round(memory.peak_main / 2**20, 1),
        "peak_rss_workers_mb": round(memory.peak_workers / 2**20, 1),
        "peak_by_stage": memory.by_stage(stats["stages"], stats["seconds"]),
        "rows": stats["rows"],
        "removed": stats["removed"],
        "stats": stats,
    }


def save_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    import platform

    data = dict(data, machine={"cpus": os.cpu_count(), "python": platform.python_version()},
                measured=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def harness():
    """The helpers above, for benchmark modules (conftest is not importable by name)."""
    import types

    return types.SimpleNamespace(corpus_file=corpus_file, run_build=run_build,
                                 save_result=save_result, generate=generate,
                                 write_config=write_config, large=LARGE, profile=PROFILE)
