"""What keeps the build's cleaning processes small: pyarrow does not import pandas into them,
and each unit's freed memory is handed back when it ends."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from corpuskit.engine import LocalEngine
from corpuskit.pipeline import BatchResult, Runner


def _run(script: str) -> str:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          check=True).stdout.split()


def test_pyarrow_converts_records_without_importing_pandas():
    """After ``arrow_without_pandas`` a unit's records become an Arrow table without pandas
    (~45 MB a process); where pyarrow needs pandas it still imports it, and from then on
    treats pandas objects as before (a categorical becomes a dictionary array)."""
    out = _run("""
        import sys
        import pyarrow as pa
        from corpuskit._memory import arrow_without_pandas
        arrow_without_pandas()
        schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("tags", pa.list_(pa.string()))])
        table = pa.Table.from_pylist([{"id": "a", "text": "Talks resumed.", "tags": ["x"]}], schema=schema)
        print(table.num_rows, "pandas" in sys.modules)
        frame = pa.table({"n": [1, 2]}).to_pandas()  # needs pandas: imported here
        import pandas as pd
        print(list(frame["n"]), pa.types.is_dictionary(pa.array(pd.Categorical(["x", "y", "x"])).type))
    """)
    assert out == ["1", "False", "[1,", "2]", "True"]


def test_pyarrow_converts_as_usual_in_a_process_that_has_pandas():
    out = _run("""
        import sys
        import pandas as pd
        import pyarrow as pa
        from corpuskit._memory import arrow_without_pandas
        arrow_without_pandas()
        print(pa.array(pd.Series([1.0, None])).null_count)  # pandas' NaN is a null: pyarrow knows pandas
    """)
    assert out == ["1"]


def test_the_command_line_cleans_without_pandas(tmp_path):
    """A build from the command line (2 workers: this process and a forked one) has not
    imported pandas when its cleaning stage ends."""
    from helpers import copy_project

    copy_project(tmp_path)
    out = _run(f"""
        import sys
        import corpuskit._build as build
        seen = []
        clean = build._read_and_clean
        def read_and_clean(*args):
            clean(*args)
            seen.append("pandas" in sys.modules)
        build._read_and_clean = read_and_clean
        from corpuskit.cli import main
        main(["build", "--config", {str(tmp_path / "corpuskit.toml")!r}, "--out", {str(tmp_path / "out")!r},
              "--workers", "2", "--quiet"], standalone_mode=False)
        print(seen)
    """)
    assert out[-1] == "[False]"


class _Units(Runner):
    def __init__(self):
        super().__init__([])

    def run_batch(self, unit):
        return BatchResult([], [], [], [], ids=[str(unit)])


def test_every_unit_hands_its_freed_memory_back(monkeypatch):
    import corpuskit.engine as engine

    trims = []
    monkeypatch.setattr(engine, "trim_heap", lambda *slack: trims.append(slack))
    results = list(LocalEngine(1).map(_Units(), range(5)))
    assert [r.ids for r in results] == [["0"], ["1"], ["2"], ["3"], ["4"]]
    # after loading the steps' tables and at the end all of it; after each unit beyond the slack
    assert trims == [()] + [(engine.UNIT_SLACK,)] * 5 + [()]


def test_a_trim_with_slack_hands_back_only_past_it(monkeypatch):
    """Within the slack nothing is handed back (the next unit reuses the pages instead of
    faulting them in again); past it, and without a slack, Arrow's pool and the heap are."""
    import types

    import corpuskit._memory as memory

    released = []
    pool = types.SimpleNamespace(release_unused=lambda: released.append(1))
    monkeypatch.setitem(sys.modules, "pyarrow", types.SimpleNamespace(default_memory_pool=lambda: pool))
    monkeypatch.setattr(memory, "_heap_free", lambda: 10 << 20)
    memory.trim_heap(32 << 20)
    assert released == []
    memory.trim_heap(8 << 20)
    memory.trim_heap()
    assert released == [1, 1]


def test_the_heap_free_bytes_are_read_from_glibc():
    import corpuskit._memory as memory

    blocks = [bytearray(1000) for _ in range(20_000)]  # from the C heap (pymalloc stops at 512 bytes)
    before = memory._heap_free()
    del blocks[::2]  # 10 MB of holes between live blocks: free, but not at the heap's top
    assert memory._heap_free() - before >= 8 << 20


def test_the_coverage_guards_log_probabilities_are_held_sparse():
    """Every process that checks languages holds py3langid's feature table: rare features'
    rows are kept as their few entries (12 MB less a process), and any mix of rows comes
    back bit for bit as py3langid's own float16 table converted to float32."""
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from corpuskit.lang import py3langid_backend

    table = py3langid_backend.get_identifier().nb_ptc
    rows, classes = table.shape
    assert table.nbytes < 0.6 * rows * classes * 2  # the dense float16 matrix: 27 MB
    own = np.asarray(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True).nb_ptc, dtype=np.float16)
    idx = np.random.default_rng(7).integers(0, rows, 500)  # whole and sparse rows, repeats
    assert np.array_equal(table[idx].view(np.uint32), own[idx].astype(np.float32).view(np.uint32))
    assert np.array_equal(table[idx[:1]].view(np.uint32), own[idx[:1]].astype(np.float32).view(np.uint32))
