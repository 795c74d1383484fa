"""The id-suffix protocol: repeated base ids get ``-2``, ``-3`` ... in input order.

A reader gives every record a *base* id (its own ``id``, or a hash of its raw
bytes: :func:`corpuskit.records.content_id`). Units of work are parsed and
cleaned independently, so a repeat is only known where all units are seen in
order: there, :class:`IdCounter` hands out the final ids and :func:`final_ids`
puts them on a unit's kept and dropped records (record lists, or the Arrow IPC
payloads a build's workers return).
"""

from __future__ import annotations

from typing import Any


class IdCounter:
    """Give repeated base ids a ``-2``, ``-3`` suffix, in the order they are seen."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def final(self, base: str) -> str:
        count = self._seen.get(base, 0) + 1
        self._seen[base] = count
        return base if count == 1 else f"{base}-{count}"


def final_ids(ids: IdCounter, result) -> tuple[Any, Any]:
    """A :class:`~corpuskit.pipeline.BatchResult`'s kept and dropped records with their final ids
    (``ids`` must see every unit's result, in unit order)."""
    final = [ids.final(base) for base in result.ids]
    if final == result.ids:  # no repeat: nothing to rewrite
        return result.kept, result.dropped
    return _with_ids(result.kept, final, result.kept_at), _with_ids(result.dropped, final, result.dropped_at)


def _with_ids(payload: Any, final: list[str], at: list[int]) -> Any:
    """``payload`` (records, or IPC bytes of rows, from unit positions ``at``) with the final ids."""
    if isinstance(payload, list):
        return [dict(record, id=final[i]) for record, i in zip(payload, at)]
    if not payload:
        return payload
    import pyarrow as pa

    from corpuskit.spill import decode_table, encode_table

    table = decode_table(payload)
    column = table.schema.get_field_index("id")
    field_ = table.schema.field(column)
    table = table.set_column(column, field_, pa.array([final[i] for i in at], type=field_.type))
    return encode_table(table)
