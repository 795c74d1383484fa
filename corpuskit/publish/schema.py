"""The published Arrow schema and the record -> row conversion.

Provenance is an explicit struct (not a JSON string), so it is queryable and
its types are checked on every load.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

SOURCE_FIELDS = [
    ("source_path", pa.string()),
    ("source_sha256", pa.string()),
    ("start_line", pa.int64()),
    ("end_line", pa.int64()),
    ("start_byte", pa.int64()),
    ("end_byte", pa.int64()),
]
#: One exact text operation of an edit (corpuskit.fixes): characters start:end -> text.
FIX = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("text", pa.string())])
EDIT = pa.struct([
    ("step", pa.string()),
    ("field", pa.string()),
    ("action", pa.string()),
    ("detail", pa.string()),
    ("count", pa.int64()),
    ("fixes", pa.list_(FIX)),  # null in versions built before edits carried them (1.0.x)
])
MERGED = pa.struct([("id", pa.string()), *SOURCE_FIELDS, ("similarity", pa.float64()), ("match", pa.string())])
PROVENANCE = pa.struct([
    *SOURCE_FIELDS,
    ("steps", pa.list_(pa.string())),
    ("edits", pa.list_(EDIT)),
    ("merged", pa.list_(MERGED)),
])
REMOVED = pa.struct([
    ("step", pa.string()),
    ("reason", pa.string()),
    ("detail", pa.string()),
    ("duplicate_of", pa.string()),
    ("similarity", pa.float64()),
    ("match", pa.string()),
])
BASE_FIELDS = [
    ("id", pa.string()),
    ("title", pa.string()),
    ("outlet", pa.string()),
    ("date", pa.string()),
    ("time", pa.string()),
    ("author", pa.string()),
    ("url", pa.string()),
    ("text", pa.string()),
    ("language", pa.string()),
    ("language_score", pa.float64()),
]


def record_schema(annotate: bool = False) -> pa.Schema:
    fields = list(BASE_FIELDS)
    if annotate:
        fields.append(("cluster", pa.string()))
    return pa.schema(fields + [("provenance", PROVENANCE)])


def removed_schema() -> pa.Schema:
    return pa.schema(BASE_FIELDS + [("provenance", PROVENANCE), ("removed", REMOVED)])


#: Published provenance column -> key of a record's ``source`` span (the one spelling of both).
SOURCE_KEYS = (("source_path", "path"), ("source_sha256", "sha256"), ("start_line", "start_line"),
               ("end_line", "end_line"), ("start_byte", "start_byte"), ("end_byte", "end_byte"))


def _source_columns(source: dict) -> dict:
    return {column: source[key] for column, key in SOURCE_KEYS}


def source_of(columns: dict) -> dict:
    """A record's ``source`` span from published provenance columns (inverse of the above)."""
    return {key: columns[column] for column, key in SOURCE_KEYS}


def to_row(record: dict, annotate: bool = False, removed: bool = False) -> dict:
    row = {name: record.get(name) for name, _ in BASE_FIELDS}
    if annotate:
        row["cluster"] = record.get("cluster")
    merged = []
    for copy in record.get("merged", []):
        merged.append({"id": copy["id"], **_source_columns(copy["source"]),
                       "similarity": copy["similarity"], "match": copy["match"]})
    row["provenance"] = {
        **_source_columns(record["source"]),
        "steps": list(record.get("steps", [])),
        "edits": list(record.get("edits", [])),
        "merged": merged,
    }
    if removed:
        info = record.get("removed", {})
        row["removed"] = {
            "step": info.get("step"),
            "reason": info.get("reason"),
            "detail": info.get("detail", ""),
            "duplicate_of": info.get("duplicate_of"),
            "similarity": info.get("similarity"),
            "match": info.get("match"),
        }
    return row


def record_from_row(row: dict) -> dict:
    """The record a published row was made from (inverse of :func:`to_row`)."""
    provenance = row["provenance"]
    record = {name: row.get(name) for name, _ in BASE_FIELDS}
    record["source"] = source_of(provenance)
    record["edits"] = list(provenance["edits"])
    record["steps"] = list(provenance["steps"])
    record["merged"] = [{"id": m["id"], "source": source_of(m), "similarity": m["similarity"],
                         "match": m["match"]} for m in provenance["merged"]]
    return record


def to_table(records: Sequence[dict], schema: pa.Schema, removed: bool = False) -> pa.Table:
    annotate = "cluster" in schema.names
    rows = [to_row(r, annotate=annotate, removed=removed) for r in records]
    return pa.Table.from_pylist(rows, schema=schema)
