"""The card's numbers about the records: sizes, outlets, dates, languages, an example, a citation.

Computed from the published parquet files (only the columns needed), so the
card states what the data holds, not what the pipeline expected.
"""

from __future__ import annotations

import json

import numpy as np

PERCENTILES = (10, 25, 50, 75, 90)
TOP_OUTLETS = 10
EXAMPLE_CHARS = 300


def _percentile(values: list[int], p: int) -> int:
    """Nearest-rank percentile (an actual article's count, no interpolation)."""
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))  # ceil(p/100 * n)
    return ordered[rank - 1]


def _space_codes() -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray]:
    """The UTF-8 encodings of the characters ``str.split()`` splits on (asked of Python itself,
    so the counts below are its counts): the one-byte ones as runs of consecutive bytes
    (``[(9, 13), (28, 32)]``), the two- and three-byte ones as integers (``0xC285`` for
    U+0085, ``0xE38080`` for U+3000)."""
    import sys

    spaces = [chr(c).encode("utf-8") for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert all(len(s) <= 3 for s in spaces)
    runs: list[tuple[int, int]] = []
    for byte in sorted(s[0] for s in spaces if len(s) == 1):
        runs[-1:] = [(runs[-1][0], byte)] if runs and runs[-1][1] == byte - 1 else runs[-1:] + [(byte, byte)]
    two = np.array(sorted(int.from_bytes(s, "big") for s in spaces if len(s) == 2), dtype=np.uint32)
    three = np.array(sorted(int.from_bytes(s, "big") for s in spaces if len(s) == 3), dtype=np.uint32)
    return runs, two, three


_SPACE_RUNS, _SPACE_TWO, _SPACE_THREE = _space_codes()


def word_counts(texts) -> np.ndarray:
    r"""``len(text.split())`` of each text of an Arrow string array (0 for a null), computed on
    its UTF-8 bytes without a Python string per text or per word.

    A word starts at each byte that is not part of a space and follows a space or a text's
    start; the bytes of a multi-byte space are found by their whole encoding, and every other
    byte of a multi-byte character is no space and never starts a word (it follows its own
    lead byte).

    >>> import pyarrow as pa
    >>> word_counts(pa.array(["one two  three\u2003four\n", None, "", " \x85 ", "a\u00e9b c"])).tolist()
    [4, 0, 0, 0, 2]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pc.fill_null(texts, "").cast(pa.large_string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64, count=len(texts) + 1, offset=texts.offset * 8)
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8, count=int(offsets[-1])) if offsets[-1] else \
        np.zeros(0, dtype=np.uint8)
    data = data[offsets[0]:]
    offsets = offsets - offsets[0]
    space = np.zeros(data.size, dtype=bool)
    for low, high in _SPACE_RUNS:  # by comparison: a lookup table is 3x slower
        space |= (data - np.uint8(low)) <= np.uint8(high - low)
    lead = np.flatnonzero(data >= 0xC2)  # the first bytes of the multi-byte characters
    if lead.size:
        padded = np.concatenate([data, np.zeros(2, dtype=np.uint8)])
        pair = (padded[lead].astype(np.uint32) << 8) | padded[lead + 1]
        triple = (pair << 8) | padded[lead + 2]
        for codes, value, width in ((_SPACE_TWO, pair, 2), (_SPACE_THREE, triple, 3)):
            found = lead[np.isin(value, codes)]
            for k in range(width):
                space[found + k] = True
    starts = ~space
    starts[1:] &= space[:-1]
    first = offsets[:-1][offsets[:-1] < data.size]  # each text's first byte starts a word unless a space
    starts[first] = ~space[first]
    return np.diff(np.searchsorted(np.flatnonzero(starts), offsets))


def statistics(data_files: list[str]) -> dict:
    """Counts over the default configuration's records, read in batches of rows (memory: one
    batch plus a count per record and per day, whatever the size of the dataset). Column by
    column: words per text (:func:`word_counts`); outlets, languages and days counted by Arrow
    (no row dicts); the other columns are read for the example (the first row) only."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    counted = ["outlet", "date", "text", "language"]
    words: list[np.ndarray] = []
    outlets: dict[str, int] = {}
    languages: dict[str, int] = {}
    per_day: dict[str, int] = {}
    example = None

    def count(into: dict, column, missing: str | None) -> None:
        """Add a column's value counts to ``into``; a null or empty value counts as ``missing``
        (not at all if None)."""
        for item in pc.value_counts(column).to_pylist():
            key = item["values"] or missing
            if key is not None:
                into[key] = into.get(key, 0) + item["counts"]

    for path in data_files:
        parquet = pq.ParquetFile(path)
        if example is None and parquet.metadata.num_rows:
            columns = ["id", "title", "outlet", "date", "author", "url", "text", "language"]
            example = next(parquet.iter_batches(batch_size=1, columns=columns)).to_pylist()[0]
        for batch in parquet.iter_batches(batch_size=1000, columns=counted):
            words.append(word_counts(batch.column("text")))
            count(outlets, batch.column("outlet"), "(unknown)")
            count(languages, batch.column("language"), "(none)")
            count(per_day, batch.column("date"), None)
    lengths = np.concatenate(words).tolist() if words else []
    return {
        "records": len(lengths),
        "words": {"total": sum(lengths),
                  **({f"p{p}": _percentile(lengths, p) for p in PERCENTILES} if lengths else {}),
                  **({"min": min(lengths), "max": max(lengths)} if lengths else {})},
        "outlets": sorted(outlets.items(), key=lambda item: (-item[1], item[0])),
        "languages": sorted(languages.items(), key=lambda item: (-item[1], item[0])),
        "dates": {"first": min(per_day) if per_day else None, "last": max(per_day) if per_day else None,
                  "undated": len(lengths) - sum(per_day.values())},
        "example": example,
        "lengths": lengths,
        "per_day": sorted(per_day.items()),
    }


PICTURE = "stats.png"

#: The child of :func:`picture`: the folder and the numbers drawn (JSON) in, ``draw``'s result out.
_DRAW = """
import json
from corpuskit.publish.stats import draw
args = json.load(sys.stdin)
json.dump(draw(args["folder"], args["stats"]), sys.stdout)
"""


def picture(folder: str, stats: dict) -> str | None:
    """:func:`draw`, in a short-lived child process unless this process has imported
    matplotlib already: importing it costs a process ~35 MB that it keeps until it exits,
    and the build draws in its long-lived parent just before the gate (see
    :func:`corpuskit._memory.run_in_child`). The child draws with the same code, data and
    software, so the file is the same; if the child cannot run, this process draws."""
    import importlib.util
    import sys

    if "matplotlib" not in sys.modules and stats["lengths"] and importlib.util.find_spec("matplotlib"):
        from corpuskit._memory import run_in_child

        drawn = {"lengths": stats["lengths"], "per_day": stats["per_day"]}  # what draw reads
        name = run_in_child(_DRAW, json.dumps({"folder": folder, "stats": drawn}).encode())
        if name is not None:
            return name
    return draw(folder, stats)


def draw(folder: str, stats: dict) -> str | None:
    """Write ``stats.png`` (words per article, articles per day) into ``folder``; its name, or
    None without matplotlib (an optional extra) or without records. Same data and software,
    same bytes: no timestamp or version in the file."""
    import os

    try:
        import matplotlib
    except ImportError:
        return None
    if not stats["lengths"]:
        return None
    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(9, 3.2), dpi=100)
    lengths, days = figure.subplots(1, 2)
    lengths.hist(stats["lengths"], bins=20, color="#4c72b0")
    lengths.set(title="Words per article", xlabel="words", ylabel="articles")
    per_day = stats["per_day"]
    if per_day:
        _bars(days, [n for _, n in per_day], "#55a868")
        step = max(1, len(per_day) // 6)
        days.set_xticks(range(0, len(per_day), step), [d for d, _ in per_day][::step],
                        rotation=30, ha="right", fontsize=8)
    days.set(title="Articles per day", ylabel="articles")
    for axes in (lengths, days):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    figure.savefig(os.path.join(folder, PICTURE), format="png", metadata={"Software": None})
    return PICTURE


def _bars(axes, heights: list[int], color: str) -> None:
    """What ``axes.bar(range(len(heights)), heights, color=color)`` draws (the same pixels,
    the same bytes), as one collection: ``bar`` adds a patch per bar, and each patch added
    recomputes the axes' limits, which cost about a second per 1,000 days (a corpus of a
    few years' news) against a tenth for the collection."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    width = 0.8  # bar's default width, centred on each x
    bars = PatchCollection([Rectangle((x - width / 2, 0), width, height) for x, height in enumerate(heights)],
                           facecolor=color, edgecolor="none", linewidth=0)
    bars.sticky_edges.y.append(0)  # as bar's patches: the y axis starts at 0, no margin below
    axes.add_collection(bars)
    axes.autoscale_view()  # (matplotlib < 3.11 does not on add_collection)


def _example(row: dict) -> str:
    shown = {k: row[k] for k in ("id", "title", "outlet", "date", "author", "url", "language")}
    text = row["text"] or ""
    shown["text"] = text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS].rstrip() + " …"
    return json.dumps(shown, indent=2, ensure_ascii=False)


def card_lines(stats: dict, citation: str, picture: str | None = None) -> list[str]:
    """The card's ``Statistics``, ``Example record`` and ``Citation`` sections."""
    words = stats["words"]
    lines = ["## Statistics", ""]
    if picture:
        lines += [f"![Words per article and articles per day]({picture})", ""]
    lines.append(f"- records: {stats['records']}")
    if "p50" in words:
        lines.append(f"- words per article: median {words['p50']}, "
                     + ", ".join(f"p{p} {words[f'p{p}']}" for p in PERCENTILES if p != 50)
                     + f"; shortest {words['min']}, longest {words['max']}; {words['total']} in all")
    dates = stats["dates"]
    if dates["first"]:
        lines.append(f"- dates: {dates['first']} to {dates['last']}"
                     + (f" ({dates['undated']} undated)" if dates["undated"] else ""))
    lines.append("- languages: " + ", ".join(f"{code} {n}" for code, n in stats["languages"]))
    shown = stats["outlets"][:TOP_OUTLETS]
    rest = sum(n for _, n in stats["outlets"][TOP_OUTLETS:])
    lines.append(f"- outlets ({len(stats['outlets'])}): " + ", ".join(f"{name} {n}" for name, n in shown)
                 + (f", others {rest}" if rest else ""))
    lines.append("")
    if stats["example"] is not None:
        lines += ["## Example record", "", "The first record (text shortened; `provenance` left out):", "",
                  "```json", _example(stats["example"]), "```", ""]
    lines += ["## Citation", "", "```bibtex", citation, "```", ""]
    return lines

