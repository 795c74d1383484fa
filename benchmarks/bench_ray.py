"""Local vs Ray on one node: the same build, wall time, CPU-seconds and peak memory of the process tree.

``.venv/bin/pytest benchmarks/bench_ray.py --benchmark-only`` builds a generated corpus
(``CORPUSKIT_BENCH_RAY_N`` articles, default 50,000; the issue's figure is 200,000) with
``--engine local`` and ``--engine ray`` (a private local Ray cluster the build starts and
stops), both with ``--workers 2``, alternating for ``CORPUSKIT_BENCH_RAY_ROUNDS`` rounds
(default 1), checks that the two published trees are byte-identical and reports the
overhead (Ray wall / local wall; target <= 1.5). Ray's start-up (GCS, raylet, workers
importing corpuskit) is inside the Ray figure: it is what a user waits for.

How the process tree is measured (the same for both engines): every 0.2 s the sampler
walks the build process and all its descendants -- with Ray, the GCS server, the raylet,
the Ray agents and the workers are all started by the build, so they are all in it:

* ``peak_rss_mb``: the peak of the summed RSS. Pages shared between processes (Ray's
  object store is shared memory, mapped by the raylet and every worker that reads an
  object) are counted once per process, so this is an upper bound;
* ``peak_pss_mb``: the peak of the summed PSS (shared pages split between the processes
  that map them; sampled every 1 s since it is costlier to read): the fairer total;
* ``peak_rss_driver_mb`` (the build process: reader, dedup index, writer) and
  ``peak_rss_largest_other_process_mb`` (the largest worker, raylet or GCS: memory per worker);
* ``cpu_seconds``: the last user+system time seen of every process in the tree, summed
  (a process's last < 0.2 s can be missed).

``test_signature_bytes_per_article`` measures what bounds the corpus size a driver can
deduplicate: the bytes of signature the dedup stage holds per article
(``Deduplicator.nbytes()``), and so articles per GB of driver memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from corpuskit.publish.manifest import tree_digests



class TreeSampler:
    """Peak summed RSS and PSS, and CPU-seconds, of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.2, pss_every: int = 5):
        import psutil

        self.root = psutil.Process(pid)
        self.interval, self.pss_every = interval, pss_every
        self.peak_rss = self.peak_pss = 0
        self.peak_driver = self.peak_other = 0  # the build process alone; any one other process
        self.cpu: dict[int, float] = {}  # pid -> last user+system seconds seen
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self):
        import psutil

        try:
            return [self.root] + self.root.children(recursive=True)
        except psutil.Error:
            return []

    def _sample(self, with_pss: bool) -> None:
        import psutil

        rss = pss = 0
        for proc in self._tree():
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    one = proc.memory_info().rss
                    rss += one
                    if with_pss:
                        pss += proc.memory_full_info().pss
                    self.names.setdefault(proc.pid, proc.name())
            except psutil.Error:
                continue
            self.cpu[proc.pid] = times.user + times.system
            if proc.pid == self.root.pid:
                self.peak_driver = max(self.peak_driver, one)
            else:
                self.peak_other = max(self.peak_other, one)
        self.peak_rss = max(self.peak_rss, rss)
        if with_pss:
            self.peak_pss = max(self.peak_pss, pss)

    def _run(self) -> None:
        count = 0
        while not self._stop.is_set():
            self._sample(count % self.pss_every == 0)
            count += 1
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def run(project: Path, corpus: Path, engine: str, out: Path, workers: int = 2) -> dict:
    """``corpuskit build --engine ENGINE`` in a subprocess (niced), measured with :class:`TreeSampler`."""
    stats_path = out.parent / f"stats-{out.name}.json"
    command = ["nice", sys.executable, "-m", "corpuskit", "build", str(corpus), "--config",
               str(project / "corpuskit.toml"), "--out", str(out), "--workers", str(workers),
               "--engine", engine, "--stats-json", str(stats_path), "--quiet"]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with TreeSampler(process.pid) as tree:
        _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{engine} build failed ({process.returncode}): {stderr.decode()[-2000:]}")
    stats = json.loads(stats_path.read_text())
    cpu = sum(tree.cpu.values())
    return {
        "engine": engine,
        "articles": stats["records_in"],
        "workers": workers,
        "seconds": round(seconds, 2),
        "articles_per_second": round(stats["records_in"] / seconds, 1),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(tree.peak_rss / 2**20, 1),
        "peak_pss_mb": round(tree.peak_pss / 2**20, 1),
        "peak_rss_driver_mb": round(tree.peak_driver / 2**20, 1),
        "peak_rss_largest_other_process_mb": round(tree.peak_other / 2**20, 1),
        "processes": len(tree.cpu),
        "process_names": sorted(set(tree.names.values())),
        "load_average_before": round(load_before, 2),
        "stages": stats["stages"],
        "rows": stats["rows"],
        "removed": stats["removed"],
        "stderr": stderr.decode()[-500:],
    }


def test_ray_vs_local_one_node(benchmark, harness, bench_project):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'corpuskit[ray]')")
    n = int(os.environ.get("CORPUSKIT_BENCH_RAY_N", "50000"))
    rounds = int(os.environ.get("CORPUSKIT_BENCH_RAY_ROUNDS", "1"))
    corpus = harness.corpus_file(n)

    def alternate():
        runs = []
        for r in range(rounds):
            for engine in ("local", "ray"):
                runs.append(run(bench_project, corpus, engine, bench_project / f"{engine}-{r}"))
        return runs

    runs = benchmark.pedantic(alternate, rounds=1, iterations=1)
    digests = {tuple(sorted(tree_digests(str(bench_project / f"{r['engine']}-{i // 2}")).items()))
               for i, r in enumerate(runs)}
    assert len(digests) == 1, "the engines published different bytes"
    local = [r for r in runs if r["engine"] == "local"]
    ray = [r for r in runs if r["engine"] == "ray"]
    ratios = sorted(b["seconds"] / a["seconds"] for a, b in zip(local, ray))
    result = {"articles": n, "rounds": rounds, "identical": True, "local": local, "ray": ray,
              "wall_ratio_ray_over_local": round(ratios[len(ratios) // 2], 3),
              "cpu_ratio_ray_over_local": round(sum(r["cpu_seconds"] for r in ray)
                                                / sum(r["cpu_seconds"] for r in local), 3)}
    benchmark.extra_info.update({k: v for k, v in result.items() if k not in ("local", "ray")})
    harness.save_result(f"ray-vs-local-{n}", result)
    print(json.dumps(result, indent=2))


def test_signature_bytes_per_article(benchmark, harness):
    """Dedup signature bytes held on the driver per article (generated ~500-word news articles)."""
    from corpuskit._dedup.engine import Deduplicator

    n = 5000
    articles = list(harness.generate.generate_corpus(n, seed=0))

    def fill():
        engine = Deduplicator()
        for index, article in enumerate(articles):
            engine.add(index, engine.signature(article))
        return engine

    engine = benchmark.pedantic(fill, rounds=1, iterations=1)
    per_article = engine.nbytes() / n
    result = {"articles": n, "signature_bytes_per_article": round(per_article, 1),
              "articles_per_driver_gb_of_signatures": int(2**30 / per_article)}
    benchmark.extra_info.update(result)
    harness.save_result("ray-signature-bytes", result)
    print(json.dumps(result, indent=2))
