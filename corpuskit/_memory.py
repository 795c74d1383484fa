"""The process's memory: freed memory handed back after a stage, one malloc arena for all threads.

Owned here, apart from the engine, so that the gate's worker processes can use it without
importing the pipeline.
"""

from __future__ import annotations

import os
import sys


def trim_heap() -> None:
    """Give the free memory of a finished stage back to the system: pyarrow's memory pool's
    unused pages (when pyarrow is loaded), then the C heap's (``malloc_trim``). glibc
    and Arrow keep freed pages for reuse, and the build's next stages would carry them:
    15 MB after cleaning 50,000 articles, 94 MB after resolving 150,000 signatures, and
    ~97 MB after writing 20,000 articles' parquet files, that only Arrow's release frees."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def one_malloc_arena() -> None:
    """Make glibc's malloc serve every thread of this process from one arena, and its
    children too (``MALLOC_ARENA_MAX=1`` in the environment they inherit).

    glibc gives each thread that allocates its own arena (up to 8 per core) and keeps
    the pages freed in it: the threads of pyarrow's reader, the parquet writer and
    dedup's verification each left tens of MB that no stage reused, and
    ``malloc_trim`` returns little of it. With one arena the 50,000-article build
    peaked at 548 MB (RSS of the process tree) instead of 642, for the same
    user CPU-seconds (162 vs 161; system 12.0 vs 11.7). A ``MALLOC_ARENA_MAX`` the user set wins. Called by the
    command line before any thread starts; a library caller's process is left alone.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    os.environ["MALLOC_ARENA_MAX"] = "1"  # read by each child interpreter's malloc at start
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-8, 1)  # M_ARENA_MAX: this process is past that start
    except (OSError, AttributeError):  # not glibc
        pass
