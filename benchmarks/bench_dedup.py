"""Throughput of the dedup stage vs the datasketch MinHashLSH baseline (pytest-benchmark).

Corpus: ``benchmarks/generate.py``'s ``generate_corpus(n)`` (about 500-word
articles with exact, abridged and noisy copies); ``CORPUSKIT_BENCH_N`` sets n
(default 100,000). Signatures are computed on 2 worker processes, as in a build.

    .venv/bin/pytest benchmarks/bench_dedup.py -s

(writes benchmarks/results/dedup-N-w2.json and asserts the stage is at least as fast).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

N = int(os.environ.get("CORPUSKIT_BENCH_N", "100000"))
WORKERS = 2
RESULTS: dict[str, float] = {}


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    from generate import generate_corpus

    return [{"id": a["id"], "title": a.get("title"), "text": a["text"], "date": a.get("date")}
            for a in generate_corpus(N, seed=0)]


def _signature(record):
    from corpuskit._dedup.signature import compute  # what Deduplicator.signature runs

    return compute(record)


def _minhash(record):
    from datasketch import MinHash

    words = record["text"].lower().split()
    m = MinHash(num_perm=128)
    m.update_batch([" ".join(words[k:k + 5]).encode() for k in range(max(1, len(words) - 4))])
    return m


def _pool():
    return multiprocessing.get_context("fork").Pool(WORKERS)


def run_corpuskit(records):
    from corpuskit._dedup import Deduplicator

    engine = Deduplicator()
    with _pool() as pool:
        for i, sig in enumerate(pool.imap(_signature, records, chunksize=256)):
            engine.add(i, sig)
    return engine.resolve()


def run_datasketch(records):
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    found = 0
    with _pool() as pool:
        for i, m in enumerate(pool.imap(_minhash, records, chunksize=256)):
            found += bool(lsh.query(m))
            lsh.insert(i, m)
    return found


def test_dedup_throughput(benchmark, corpus):
    clusters = benchmark.pedantic(run_corpuskit, args=(corpus,), rounds=1, iterations=1)
    benchmark.extra_info["records"] = len(corpus)
    benchmark.extra_info["records_per_second"] = round(len(corpus) / benchmark.stats.stats.mean, 1)
    benchmark.extra_info["copies"] = len(clusters.kept_of)
    RESULTS["corpuskit"] = benchmark.extra_info["records_per_second"]
    assert clusters.kept_of


def test_datasketch_baseline_throughput(benchmark, corpus):
    found = benchmark.pedantic(run_datasketch, args=(corpus,), rounds=1, iterations=1)
    benchmark.extra_info["records"] = len(corpus)
    benchmark.extra_info["records_per_second"] = round(len(corpus) / benchmark.stats.stats.mean, 1)
    RESULTS["datasketch"] = benchmark.extra_info["records_per_second"]
    assert found


def test_stage_at_least_as_fast_as_baseline():
    """Runs after the two benchmarks (same session, same corpus, same 2 workers)."""
    if len(RESULTS) < 2:
        pytest.skip("needs both throughput benchmarks in the same run")
    out = Path(__file__).resolve().parent / "results" / f"dedup-{N}-w{WORKERS}.json"
    out.write_text(json.dumps({"records": N, "workers": WORKERS, "records_per_second": RESULTS}, indent=2) + "\n")
    print(f"\ncorpuskit {RESULTS['corpuskit']} records/s, datasketch {RESULTS['datasketch']} records/s")
    assert RESULTS["corpuskit"] >= RESULTS["datasketch"]
