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


def _read(folder: str, config_name: str):
    """(schema, rows by id) of one config of a version folder; (None, {}) if it has none."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from corpuskit.check.folder import open_folder

    version = open_folder(folder)
    paths = [os.path.join(version.path, rel) for rel in version.data_files(config_name)]
    paths = [p for p in paths if os.path.isfile(p)]
    if not paths:
        return None, {}
    table = pa.concat_tables([pq.read_table(p) for p in paths])
    return table.schema, {row["id"]: row for row in table.to_pylist()}


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
    old_schema, old_rows = _read(old, "default")
    new_schema, new_rows = _read(new, "default")
    _compare_fields(result, old_schema, new_schema)
    common = [name for name in (new_schema.names if new_schema is not None else [])
              if old_schema is not None and name in old_schema.names and name != PROVENANCE]
    for rid, row in new_rows.items():
        if rid not in old_rows:
            result.added.append({"id": rid, "title": row.get("title")})
            continue
        before = old_rows[rid]
        fields = [name for name in common if before.get(name) != row.get(name)]
        if fields:
            result.changed.append(RecordChange(rid, row.get("title"), fields, before, row))
        elif before.get(PROVENANCE) != row.get(PROVENANCE):
            result.provenance_only.append(rid)
        else:
            result.unchanged += 1
    result.removed = [{"id": rid, "title": row.get("title")} for rid, row in old_rows.items()
                      if rid not in new_rows]
    result.removed_rows = (len(_read(old, "removed")[1]), len(_read(new, "removed")[1]))
    result.config = _changes(flatten(old_manifest.get("config") or {}),
                             flatten(new_manifest.get("config") or {}), skip=("version",))
    result.software = _changes(old_manifest.get("software") or {}, new_manifest.get("software") or {})
    return result


def _compare_fields(result: Diff, old, new) -> None:
    if old is None or new is None:
        return
    result.fields_added = [f.name for f in new if f.name not in old.names]
    result.fields_removed = [f.name for f in old if f.name not in new.names]
    result.fields_retyped = [f.name for f in new if f.name in old.names
                             and not old.field(f.name).type.equals(f.type)]
