"""Peak memory and resolve time of the dedup stage at scale (not a pytest module; run directly).

    .venv/bin/python benchmarks/scale_dedup.py 1000000 2 --pool 100000
    .venv/bin/python benchmarks/scale_dedup.py 1000000 2          # generate all N (slow: ~12 min)

Without ``--pool``, generates ``N`` articles with ``benchmarks/generate.py``
(chunks with distinct seeds, on ``WORKERS`` processes that also compute the
signatures) and adds every signature to one engine.

With ``--pool P``, generates and signs ``P`` articles (on the workers), then
adds ``N`` distinct signatures: the pool itself, then *salted* replicas of it.
Replica ``j`` maps every hashed value (shingles, headline, lead, figures, band
keys, exact and body keys) through a bijective mix salted with ``j``, keeping the sampling levels; so
each replica is a new set of articles with the same structure (lengths,
copies, candidate pairs, template twins) and no values shared with other
replicas. Replicas are rebuilt from the engine's own flat arrays, so the
parent holds nothing but the engine. What is measured is the engine's memory
and resolve time at ``N`` distinct signatures.

Prints the parent's peak RSS (``ru_maxrss``; the workers are separate
processes and hold one chunk each), the engine's signature bytes, and times.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHUNK = 20_000


def _chunk(args: tuple[int, int]) -> list:
    from generate import generate_corpus

    from corpuskit._dedup import Deduplicator

    seed, size = args
    engine = Deduplicator()
    return [engine.signature(a) for a in generate_corpus(size, seed=seed)]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _salt(values: np.ndarray, salt: int, keep_low: int = 0, unique: bool = True) -> np.ndarray:
    """A salted bijective mix of uint32 values; ``keep_low`` low bits stay zero (sampling level);
    sorted unique unless ``unique`` is false (band keys keep their order)."""
    v = values.astype(np.uint64) ^ np.uint64(salt * 0x9E3779B9 & 0xFFFFFFFF)
    v = (v * _M1) & np.uint64(0xFFFFFFFF)
    v ^= v >> np.uint64(15)
    v = (v * _M2) & np.uint64(0xFFFFFFFF)
    v ^= v >> np.uint64(13)
    out = v.astype(np.uint32)
    if keep_low:
        out &= np.uint32(~((1 << keep_low) - 1) & 0xFFFFFFFF)
    return np.unique(out) if unique else out


def _replica(sig, salt: int):
    from corpuskit._dedup.signature import array

    mask = (salt * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    key = int(np.uint64(sig.key) ^ np.uint64(mask))
    return sig._replace(
        key=key,
        body=sig.body ^ mask if sig.body else 0,
        bands=_salt(array(sig.bands), salt, unique=False).tobytes(),
        shingles=_salt(array(sig.shingles), salt, sig.level).tobytes(),
        head=_salt(array(sig.head), salt).tobytes(),
        context=_salt(array(sig.context), salt).tobytes(),
        numbers=_salt(array(sig.numbers), salt).tobytes(),
        title=" ".join(f"{t}{salt}" for t in sig.title.split()),
    )


def main() -> None:
    from corpuskit._dedup import Deduplicator

    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("workers", type=int, nargs="?", default=2)
    parser.add_argument("--pool", type=int, default=0)
    args = parser.parse_args()
    n = args.n
    generate = args.pool if args.pool else n
    engine = Deduplicator()
    started = time.perf_counter()
    index = 0
    jobs = [(1000 + k, min(CHUNK, generate - k * CHUNK)) for k in range((generate + CHUNK - 1) // CHUNK)]
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        for signatures in pool.imap(_chunk, jobs):
            for sig in signatures:
                engine.add(index, sig)
                index += 1
            del signatures
            print(f"{index} signatures, {time.perf_counter() - started:.0f} s, peak {_peak_mb():.0f} MB",
                  flush=True)
    base = index
    salt = 1
    while index < n:
        store = engine._store
        for i in range(min(base, n - index)):
            engine.add(index, _replica(store.signature(i), salt))
            index += 1
        print(f"{index} signatures (replica {salt}), {time.perf_counter() - started:.0f} s, "
              f"peak {_peak_mb():.0f} MB", flush=True)
        salt += 1
    added = time.perf_counter()
    before = _peak_mb()
    signature_bytes = engine.nbytes()  # resolve releases the signatures
    clusters = engine.resolve()
    done = time.perf_counter()
    print(f"records {index}, copies {len(clusters.kept_of)}, signature data {signature_bytes / 2**20:.0f} MB "
          f"({signature_bytes / index:.0f} B/record), add {added - started:.0f} s, "
          f"resolve {done - added:.1f} s, parent peak RSS before resolve {before:.0f} MB, "
          f"after {_peak_mb():.0f} MB", flush=True)


if __name__ == "__main__":
    main()
