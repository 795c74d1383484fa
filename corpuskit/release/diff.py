"""What changed between two published versions, and the version bump it needs.

Records are matched by ``id`` (a hash of the article's raw source bytes, so the
same article keeps its id across versions). A record is *changed* when any
published field other than ``provenance`` differs; when only its provenance
differs (a new merged copy, a re-hashed source file) it is listed apart.

The semantic-versioning rule::

    PATCH  the same records (card, packaging, configuration without effect)
    MINOR  records or fields only added (or only provenance updated)
    MAJOR  records removed or changed, fields removed or retyped
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field

from corpuskit.release.versions import MAJOR, MINOR, PATCH

PROVENANCE = "provenance"


@dataclass
class RecordChange:
    id: str
    title: str | None
    fields: list[str]  # published fields (not provenance) whose value differs
    before: dict
    after: dict

    def text_diff(self, name: str = "text") -> list[str]:
        """Unified diff of one field, one line per paragraph line."""
        old = (self.before.get(name) or "").splitlines()
        new = (self.after.get(name) or "").splitlines()
        return [line.rstrip("\n") for line in difflib.unified_diff(
            old, new, f"a/{self.id}/{name}", f"b/{self.id}/{name}", n=1, lineterm="")]

    def to_dict(self) -> dict:
        out = {"id": self.id, "title": self.title, "fields": self.fields}
        if "text" in self.fields:
            out["text_diff"] = self.text_diff()
        out["values"] = {name: {"before": self.before.get(name), "after": self.after.get(name)}
                         for name in self.fields if name != "text"}
        return out


@dataclass
class Diff:
    """Everything that differs between an ``old`` and a ``new`` version folder."""

    old_version: str
    new_version: str
    added: list[dict] = field(default_factory=list)  # {"id", "title"}
    removed: list[dict] = field(default_factory=list)
    changed: list[RecordChange] = field(default_factory=list)
    provenance_only: list[str] = field(default_factory=list)
    unchanged: int = 0
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_retyped: list[str] = field(default_factory=list)
    removed_rows: tuple[int, int] = (0, 0)  # rows of the "removed" config, old and new
    config: list[dict] = field(default_factory=list)  # {"key", "before", "after"}
    software: list[dict] = field(default_factory=list)

    @property
    def level(self) -> str:
        """The smallest version bump that does not understate this change."""
        if self.removed or self.changed or self.fields_removed or self.fields_retyped:
            return MAJOR
        if self.added or self.fields_added or self.provenance_only:
            return MINOR
        return PATCH

    def summary(self) -> str:
        """One line: the counts a refusal and ``versions`` show."""
        parts = [f"{len(self.added)} added", f"{len(self.removed)} removed", f"{len(self.changed)} changed"]
        if self.provenance_only:
            parts.append(f"{len(self.provenance_only)} with new provenance only")
        text = "records: " + ", ".join(parts)
        for label, names in (("fields added", self.fields_added), ("fields removed", self.fields_removed),
                             ("fields retyped", self.fields_retyped)):
            if names:
                text += f"; {label}: {', '.join(names)}"
        if self.config:
            text += f"; configuration changed: {', '.join(c['key'] for c in self.config)}"
        if self.software:
            text += f"; software changed: {', '.join(s['key'] for s in self.software)}"
        return text

    def to_dict(self) -> dict:
        return {
            "old": self.old_version, "new": self.new_version, "level": self.level,
            "records": {"added": self.added, "removed": self.removed,
                        "changed": [c.to_dict() for c in self.changed],
                        "provenance_only": self.provenance_only, "unchanged": self.unchanged},
            "fields": {"added": self.fields_added, "removed": self.fields_removed,
                       "retyped": self.fields_retyped},
            "removed_config_rows": {"old": self.removed_rows[0], "new": self.removed_rows[1]},
            "config": self.config, "software": self.software,
        }


def _files(folder: str, config_name: str) -> list[str]:
    from corpuskit._check.folder import open_folder

    version = open_folder(folder)
    paths = [os.path.join(version.path, rel) for rel in version.data_files(config_name)]
    return [p for p in paths if os.path.isfile(p)]


def _schema(paths: list[str]):
    import pyarrow.parquet as pq

    return pq.read_schema(paths[0]) if paths else None


def _batches(paths: list[str]):
    """Rows of ``paths`` as lists of dicts, 1,000 at a time (memory stays bounded)."""
    import pyarrow.parquet as pq

    for path in paths:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1000):
            yield batch.to_pylist()


def _digest(values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _index(paths: list[str], common: list[str]) -> dict[str, tuple[str, str, str | None]]:
    """id -> (digest of the common fields, digest of provenance, title): a version without its text."""
    return {row["id"]: (_digest([row.get(name) for name in common]), _digest(row.get(PROVENANCE)),
                        row.get("title"))
            for rows in _batches(paths) for row in rows}


def _rows_of(paths: list[str], ids: set[str], names: list[str]) -> dict[str, dict]:
    """The fields ``names`` of the rows whose id is in ``ids``."""
    return {row["id"]: {name: row.get(name) for name in names}
            for rows in _batches(paths) for row in rows if row["id"] in ids} if ids else {}


def _count(paths: list[str]) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in paths)


def _manifest(folder: str) -> dict:
    from corpuskit.publish.manifest import read_manifest

    return read_manifest(folder)


def flatten(value, prefix: str = "") -> dict[str, object]:
    """Nested configuration as ``{"a.b": leaf}``; pipeline steps keyed by their name."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) and "step" in v for v in value):
        out = {f"{prefix}.order": [v["step"] for v in value]}
        for step in value:
            out.update(flatten({k: v for k, v in step.items() if k != "step"}, f"{prefix}.{step['step']}"))
        return out
    return {prefix: value}


def _changes(old: dict, new: dict, skip: tuple[str, ...] = ()) -> list[dict]:
    return [{"key": key, "before": old.get(key), "after": new.get(key)}
            for key in sorted(set(old) | set(new))
            if key not in skip and old.get(key) != new.get(key)]


def diff_folders(old: str, new: str) -> Diff:
    """Compare two published version folders (``new`` may be a staging folder)."""
    old_manifest, new_manifest = _manifest(old), _manifest(new)
    result = Diff(str(old_manifest.get("version")), str(new_manifest.get("version")))
    old_paths, new_paths = _files(old, "default"), _files(new, "default")
    old_schema, new_schema = _schema(old_paths), _schema(new_paths)
    _compare_fields(result, old_schema, new_schema)
    common = [name for name in (new_schema.names if new_schema is not None else [])
              if old_schema is not None and name in old_schema.names and name != PROVENANCE]
    old_index, new_index = _index(old_paths, common), _index(new_paths, common)
    changed_ids = []
    for rid, (data, provenance, title) in new_index.items():
        if rid not in old_index:
            result.added.append({"id": rid, "title": title})
        elif old_index[rid][0] != data:
            changed_ids.append(rid)
        elif old_index[rid][1] != provenance:
            result.provenance_only.append(rid)
        else:
            result.unchanged += 1
    result.removed = [{"id": rid, "title": title} for rid, (_, _, title) in old_index.items()
                      if rid not in new_index]
    befores = _rows_of(old_paths, set(changed_ids), common)
    afters = _rows_of(new_paths, set(changed_ids), common)
    for rid in changed_ids:
        before, after = befores[rid], afters[rid]
        fields = [name for name in common if before.get(name) != after.get(name)]
        result.changed.append(RecordChange(rid, after.get("title"), fields,
                                           {n: before[n] for n in fields}, {n: after[n] for n in fields}))
    result.removed_rows = (_count(_files(old, "removed")), _count(_files(new, "removed")))
    result.config = _changes(flatten(old_manifest.get("config") or {}),
                             flatten(new_manifest.get("config") or {}), skip=("version",))
    result.software = _changes(old_manifest.get("software") or {}, new_manifest.get("software") or {})
    return result


def _compare_fields(result: Diff, old, new) -> None:
    if old is None or new is None:
        return
    before, after = _leaves(old), _leaves(new)

    def top(name: str, within: dict) -> bool:  # a new/removed field, not a part of one
        return "." not in name or name.rsplit(".", 1)[0] in within

    result.fields_added = [n for n in after if n not in before and top(n, before)]
    result.fields_removed = [n for n in before if n not in after and top(n, after)]
    result.fields_retyped = [n for n in after if n in before and before[n] != after[n]]


def _leaves(schema) -> dict[str, str]:
    """Every field, nested ones as ``provenance.edits.fixes``, with its type (``list<struct>``):
    so a field added inside a struct is an addition (MINOR), not a retyped column (MAJOR)."""
    import pyarrow as pa

    out: dict[str, str] = {}

    def walk(name: str, kind) -> None:
        lists = 0
        while pa.types.is_list(kind) or pa.types.is_large_list(kind):
            kind, lists = kind.value_type, lists + 1
        out[name] = "list<" * lists + ("struct" if pa.types.is_struct(kind) else str(kind)) + ">" * lists
        if pa.types.is_struct(kind):
            for child in kind:
                walk(f"{name}.{child.name}", child.type)

    for item in schema:
        walk(item.name, item.type)
    return out
