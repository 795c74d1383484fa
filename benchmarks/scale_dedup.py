"""Peak memory of the dedup stage at scale (not a pytest module; run directly).

Generates ``N`` articles with ``benchmarks/generate.py`` (chunks with distinct
seeds, on ``WORKERS`` processes that also compute the signatures), adds the
signatures to one engine, resolves, and prints the parent's peak RSS.

    .venv/bin/python benchmarks/scale_dedup.py 1000000 2
    /usr/bin/time -v .venv/bin/python benchmarks/scale_dedup.py 1000000 2   # whole process tree
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHUNK = 20_000


def _chunk(seed: int) -> list:
    from generate import generate_corpus

    from corpuskit.dedup import Deduplicator

    engine = Deduplicator()
    return [engine.signature(a) for a in generate_corpus(CHUNK, seed=seed)]


def main() -> None:
    from corpuskit.dedup import Deduplicator

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    engine = Deduplicator()
    started = time.perf_counter()
    index = 0
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for signatures in pool.imap(_chunk, range(1000, 1000 + n // CHUNK)):
            for sig in signatures:
                engine.add(index, sig)
                index += 1
            print(f"{index} signatures, {time.perf_counter() - started:.0f} s, "
                  f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
    added = time.perf_counter()
    clusters = engine.resolve()
    done = time.perf_counter()
    print(f"records {index}, copies {len(clusters.kept_of)}, signatures {added - started:.0f} s, "
          f"resolve {done - added:.1f} s, parent peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
