"""Readers: turn input files, folders and globs into article records.

Formats are chosen by file name: ``.txt`` (and anything else) is read as a
press digest, ``.jsonl``/``.ndjson`` as JSON Lines. Sources are read in sorted
path order, so the record order, and everything built from it, is stable.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Iterator

from corpuskit.errors import InputError
from corpuskit.readers.digest import read_digest
from corpuskit.readers.jsonl import read_jsonl
from corpuskit.readers.source import SourceText, cite_path, load_source
from corpuskit.records import Record

_JSONL = (".jsonl", ".ndjson")
_TEXT_SUFFIXES = (".txt", ".text", ".digest") + _JSONL


def detect_format(path: str) -> str:
    lower = path.lower()
    if lower.endswith(_JSONL):
        return "jsonl"
    return "digest"


def expand_inputs(inputs: Iterable[str], root: str | None = None) -> list[str]:
    """Expand files, folders (recursively) and globs into a sorted file list."""
    files: list[str] = []
    for item in inputs:
        path = item if root is None or os.path.isabs(item) else os.path.join(root, item)
        if os.path.isdir(path):
            found = [
                os.path.join(d, f)
                for d, _, names in os.walk(path)
                for f in names
                if not f.startswith(".") and f.lower().endswith(_TEXT_SUFFIXES)
            ]
            if not found:
                raise InputError("folder holds no .txt or .jsonl files", cite_path(path, root))
            files.extend(sorted(found))
        elif any(ch in item for ch in "*?["):
            matched = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
            if not matched:
                raise InputError("pattern matches no files", item)
            files.extend(matched)
        elif os.path.exists(path):
            files.append(path)
        else:
            raise InputError("no such file or folder; check the path", cite_path(path, root))
    unique = sorted(dict.fromkeys(os.path.abspath(f) for f in files))
    return unique


class Reader:
    """Read all inputs in order, giving repeated content ids a ``-2``, ``-3`` suffix."""

    def __init__(self, files: list[str], root: str | None = None, on_error: str = "raise",
                 report: Callable[[InputError], None] | None = None):
        self.files = files
        self.root = root
        self.on_error = on_error
        self.report = report
        self.sources: list[SourceText] = []
        self.skipped: list[InputError] = []

    def _report(self, error: InputError) -> None:
        self.skipped.append(error)
        if self.report:
            self.report(error)

    def __iter__(self) -> Iterator[Record]:
        seen: dict[str, int] = {}
        for path in self.files:
            source = load_source(path, self.root)
            self.sources.append(source)
            reader = read_jsonl if detect_format(path) == "jsonl" else read_digest
            for record in reader(source, on_error=self.on_error, report=self._report):
                base = record["id"]
                count = seen.get(base, 0) + 1
                seen[base] = count
                if count > 1:
                    record["id"] = f"{base}-{count}"
                yield record


def read_records(inputs: Iterable[str], root: str | None = None, on_error: str = "raise") -> Iterator[Record]:
    """Convenience: all records of ``inputs`` in order."""
    yield from Reader(expand_inputs(inputs, root), root=root, on_error=on_error)


__all__ = ["Reader", "detect_format", "expand_inputs", "read_records"]
