"""Fixes: what an edit did to a field, as exact text operations anyone can replay.

A *fix* is ``{"start": s, "end": e, "text": t}``: replace characters ``s:e`` (Python
string offsets, i.e. Unicode code points) of the field's value with ``t``. An edit's
fixes all refer to the field's value *before that edit*, are in ascending order and
do not overlap; the edits of a record apply in their logged order. So the published
edit log alone turns the reader's record into the published one: no step's code, no
library version and no configuration is needed to redo it (:func:`apply`).

Steps that know their own operations record them directly (a removed paragraph, a
replaced variant); the others give the value before and after, and :func:`between`
finds a short list of fixes: paragraphs are aligned first (up to whitespace, so a
text whose line ends or spaces all changed still aligns), then words inside the
paragraphs that differ, and each differing run is cut to its changed characters.
Whatever the alignment, ``apply(before, between(before, after)) == after``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

Fix = dict  # {"start": int, "end": int, "text": str}

#: Above this many characters a differing block is one fix (bounds the alignment's cost).
MAX_ALIGNED = 50_000
_TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")


def fix(start: int, end: int, text: str) -> Fix:
    return {"start": start, "end": end, "text": text}


def apply(value: str | None, fixes: Sequence[Fix]) -> str:
    """``value`` with ``fixes`` applied; ValueError when they do not fit it (out of order or range)."""
    value = value or ""
    out: list[str] = []
    pos = 0
    for item in fixes:
        start, end = item["start"], item["end"]
        if not pos <= start <= end <= len(value):
            raise ValueError(f"fix {start}:{end} does not fit a value of {len(value)} characters "
                             f"after a fix ending at {pos}")
        out.append(value[pos:start])
        out.append(item["text"])
        pos = end
    out.append(value[pos:])
    return "".join(out)


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix (binary search over C-speed slice comparisons)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _trimmed(a: str, b: str, offset: int) -> list[Fix]:
    """One fix turning ``a`` into ``b`` (at ``offset``), cut to the characters that differ."""
    if a == b:
        return []
    head = _common_prefix(a, b)
    tail = _common_prefix(a[head:][::-1], b[head:][::-1])
    return [fix(offset + head, offset + len(a) - tail, b[head:len(b) - tail])]


def _pieces(text: str) -> tuple[list[str], list[int]]:
    """Lines of ``text`` with their ends, and their start offsets (plus the end)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return lines, starts


def _by_tokens(a: str, b: str, offset: int) -> list[Fix]:
    """Fixes turning ``a`` into ``b``, aligned word by word (one fix when too long to align)."""
    head = _common_prefix(a, b)
    tail = _common_prefix(a[head:][::-1], b[head:][::-1])
    a, b, offset = a[head:len(a) - tail], b[head:len(b) - tail], offset + head  # align only what differs
    if len(a) + len(b) > MAX_ALIGNED or not a or not b:
        return _trimmed(a, b, offset)
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    out: list[Fix] = []
    starts = [0]
    for token in ta:
        starts.append(starts[-1] + len(token))
    bstarts = [0]
    for token in tb:
        bstarts.append(bstarts[-1] + len(token))
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb).get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:  # word for word: each pair cut on its own
            for i, j in zip(range(i1, i2), range(j1, j2)):
                out += _trimmed(ta[i], tb[j], offset + starts[i])
        elif tag != "equal":
            out += _trimmed(a[starts[i1]:starts[i2]], b[bstarts[j1]:bstarts[j2]], offset + starts[i1])
    return out


def _key(line: str) -> str:
    return " ".join(line.split())


def between(before: str | None, after: str | None) -> list[Fix]:
    """A short list of fixes that turns ``before`` into ``after`` (see the module docstring).

    >>> between("It’s  a test.\\r\\n", "It’s a test.\\n")
    [{'start': 5, 'end': 6, 'text': ''}, {'start': 13, 'end': 14, 'text': ''}]
    >>> apply("Itâ€™s", between("Itâ€™s", "It’s"))
    'It’s'
    """
    before, after = before or "", after or ""
    if before == after:
        return []
    la, sa = _pieces(before)
    lb, sb = _pieces(after)
    out: list[Fix] = []
    matcher = difflib.SequenceMatcher(None, [_key(x) for x in la], [_key(x) for x in lb], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                if la[i] != lb[j]:
                    out += _by_tokens(la[i], lb[j], sa[i])
        else:
            out += _by_tokens(before[sa[i1]:sa[i2]], after[sb[j1]:sb[j2]], sa[i1])
    return _merged(out)


def _merged(fixes: list[Fix]) -> list[Fix]:
    """Adjacent fixes joined into one (shorter logs, the same result)."""
    out: list[Fix] = []
    for item in fixes:
        if out and out[-1]["end"] == item["start"]:
            out[-1] = fix(out[-1]["start"], item["end"], out[-1]["text"] + item["text"])
        else:
            out.append(item)
    return out


def in_order(groups: Sequence[Sequence[Fix]]) -> list[list[Fix]]:
    """Groups of fixes against one value, rewritten for applying one group after another.

    ``groups`` hold non-overlapping fixes against the same original value (e.g. the
    replacements of each variant, found in one pass); each group's offsets are moved
    by what the groups before it changed ahead of them, so that applying group 1,
    then group 2, ... gives the same value as applying all at once.
    """
    out = []
    for index, group in enumerate(groups):
        earlier = [(f["end"], len(f["text"]) - (f["end"] - f["start"])) for g in groups[:index] for f in g]
        moved = []
        for item in group:
            shift = sum(delta for end, delta in earlier if end <= item["start"])
            moved.append(fix(item["start"] + shift, item["end"] + shift, item["text"]))
        out.append(moved)
    return out


def show(value: str | None, item: Fix, context: int = 20) -> str:
    """One fix as a line for people: ``…context[removed → inserted]context…``."""
    value = value or ""
    start, end = item["start"], item["end"]
    left = value[max(0, start - context):start]
    right = value[end:end + context]
    return (f"@{start}: {'…' if start > context else ''}{left!r}[{value[start:end]!r} → {item['text']!r}]"
            f"{right!r}{'…' if end + context < len(value) else ''}")
