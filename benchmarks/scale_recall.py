"""Dedup recall against corpus size, engine only (not a pytest module; run directly).

    .venv/bin/python benchmarks/scale_recall.py 1000000 [--workers 2] [--no-pool]

Generates ``N`` articles with ``benchmarks/generate.py``'s ``copies`` profile (15 %
exact copies, 10 % near copies cut to 85–98 % of their words with 1–5 word edits),
computes the signatures on the workers, resolves them in one engine and scores the
clusters against the generator's ground truth (:mod:`recall`). Prints recall per copy
kind, distinct articles removed, the parent's peak RSS and CPU seconds. The full build
(cleaning, writing) is measured by ``bench_build.py``; this isolates the dedup stage so
that 1,000,000 articles fit in a session.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_corpus  # noqa: E402
from recall import score  # noqa: E402

from corpuskit._dedup import Deduplicator  # noqa: E402

_ENGINE = Deduplicator()


def _signature(article: dict):
    return _ENGINE.signature(article)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-pool", action="store_true", help="grammar-only prose")
    args = parser.parse_args()
    truth: list = []
    ids: list[str] = []

    def articles():
        for article in generate_corpus(args.n, seed=0, pool=not args.no_pool, profile="copies", truth=truth):
            ids.append(article["id"])
            yield article

    engine = Deduplicator()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        for index, signature in enumerate(pool.imap(_signature, articles(), chunksize=256)):
            engine.add(index, signature)
    signed = time.perf_counter()
    signature_bytes = engine.nbytes()  # resolve releases the signatures
    cpu = time.process_time()
    clusters = engine.resolve(threads=args.workers)
    resolved = time.perf_counter()
    resolve_cpu = time.process_time() - cpu
    merged = {ids[c]: ids[k] for c, k in clusters.kept_of.items()}
    quality = score(truth, merged)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles {args.n}: {quality}; signature data {signature_bytes / 2**20:.0f} MB; "
          f"sign {signed - started:.0f} s, resolve {resolved - signed:.0f} s ({resolve_cpu:.0f} CPU-s); "
          f"parent peak RSS {peak:.0f} MB (includes the ids and ground truth of this script)", flush=True)


if __name__ == "__main__":
    main()
