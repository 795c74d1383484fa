"""The process's memory: freed memory handed back after a stage, one malloc arena for all threads.

Owned here, apart from the engine, so that the gate's worker processes can use it without
importing the pipeline.
"""

from __future__ import annotations

import os
import sys


def trim_heap(slack: int = 0) -> None:
    """Give the free memory of a finished stage back to the system: pyarrow's memory pool's
    unused pages (when pyarrow is loaded), then the C heap's (``malloc_trim``). glibc
    and Arrow keep freed pages for reuse, and the build's next stages would carry them:
    15 MB after cleaning 50,000 articles, 94 MB after resolving 150,000 signatures, and
    ~97 MB after writing 20,000 articles' parquet files, that only Arrow's release frees.

    ``slack``: do nothing while the C heap holds at most this many bytes free (glibc's
    ``mallinfo2``). For the calls after each unit of work: a trim hands back the pages the
    next unit would use again, and every one of them is then faulted in and zeroed anew
    (a 20,000-article build took 700,000 page faults with a trim after every unit, 390,000
    without); with a slack a process carries at most that much freed memory."""
    if slack and _heap_free() <= slack:
        return
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _heap_free() -> int:
    """Bytes the C heap holds free (glibc 2.33+; elsewhere a huge number: always trim)."""
    if not _MALLINFO2:
        _MALLINFO2.append(_mallinfo2())
    function = _MALLINFO2[0]
    return sys.maxsize if function is None else function().fordblks


#: glibc's ``mallinfo2`` (None where there is none), looked up on first use: it is asked
#: after every unit of work.
_MALLINFO2: list = []


def _mallinfo2():
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    try:
        function = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    function.restype = MallInfo2
    return function


#: Freed C-heap bytes a process may carry from one unit of work to the next (:func:`trim_heap`).
UNIT_SLACK = 32 << 20


#: Put before a child's code: ``-c`` puts the working directory first on ``sys.path``, where a
#: folder named like a library (``datasets``, ``matplotlib``) would shadow it.
_CHILD_PROLOGUE = """
import sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
"""


def run_in_child(code: str, payload: bytes, timeout: float = 300):
    """Run ``code`` in a short-lived child interpreter, ``payload`` on its standard input;
    what it writes to its standard output, read as JSON; None when it cannot run, fails or
    writes no JSON (the caller then does the work itself, so a child only ever saves
    memory, never changes a result).

    For work whose imports cost memory that a process keeps until it exits (``datasets``,
    ``matplotlib``: 35-60 MB each): the build does it in its long-lived parent just before
    the gate, whose peak is that parent plus a worker; in a child the memory is returned
    when the child ends, for about a second of CPU. This process's freed pages are handed
    back first, so that the child's memory adds to as little as possible."""
    import json
    import subprocess

    trim_heap()
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD_PROLOGUE + code], input=payload,
                              capture_output=True, check=True, timeout=timeout)
        return json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


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


class _RefusePandas:
    """A ``sys.meta_path`` finder that refuses ``import pandas`` (see :func:`arrow_without_pandas`)."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            raise ImportError("pandas is not imported by corpuskit's command line (arrow_without_pandas)")
        return None


def arrow_without_pandas() -> None:
    """Keep pyarrow from importing pandas into this process and its forked workers.

    The first time pyarrow converts Python objects (``pa.array``, ``Table.from_pylist``:
    every unit the cleaning stage encodes) it imports pandas, only to ask whether the
    objects are pandas ones; corpuskit never hands it any. That import cost each cleaning
    process ~45 MB (pandas, dateutil, numpy.random ...), two processes' worth at 2 workers.
    Here pyarrow makes its one attempt while the import is refused, and takes pandas as
    absent for that question from then on. Where pyarrow needs pandas (``to_pandas``,
    ``from_pandas``) it imports it as usual, and from then on answers as before; until then
    a pandas object handed to ``pa.array`` would be read as a plain sequence (NaN not
    null), which is why only the command line, whose code hands pyarrow no pandas object,
    calls this. A process that has imported pandas already is left alone.
    """
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    refuse = _RefusePandas()
    sys.meta_path.insert(0, refuse)
    try:
        pa.array([])  # a list: pyarrow asks whether it is a pandas object, tries the import once
    finally:
        sys.meta_path.remove(refuse)
