"""``dedup``: the corpus-wide duplicate-removal step (see :mod:`corpuskit._dedup`, docs/dedup.md)."""

from __future__ import annotations

from corpuskit._dedup import Deduplicator, DedupParams
from corpuskit._dedup.presets import PRESETS
from corpuskit._dedup.memo import signed_batch
from corpuskit._dedup.signature import compute
from corpuskit.steps.base import Collector, CorpusStep


class Dedup(CorpusStep):
    """Remove exact and near-duplicate copies, keeping the most complete one.

    ``mode = "annotate"`` keeps every record and adds a ``cluster`` id instead.
    Threshold parameters left unset take the preset's value.
    """

    name = "dedup"
    Params = DedupParams

    @classmethod
    def coerce(cls, table, context):
        table = dict(table)
        mode = table.get("mode", "drop")
        if mode not in ("drop", "annotate"):
            raise ValueError(f"mode must be 'drop' or 'annotate', not {mode!r}")
        preset = table.get("preset", "default")
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r} (known: {', '.join(sorted(PRESETS))})")
        for key in ("containment", "headline", "numbers"):
            if key in table and not 0.0 <= float(table[key]) <= 1.0:
                raise ValueError(f"{key} must be between 0 and 1, not {table[key]!r}")
        return table

    def signature(self, record: dict):
        """The record's dedup signature (:func:`corpuskit._dedup.signature.compute`)."""
        return compute(record)

    def signatures(self, records: list[dict]) -> list:
        """The batch's dedup signatures, computed together (:func:`corpuskit._dedup.signature.compute_batch`),
        with the digest of what each was computed from (the build's memo for its gate:
        :mod:`corpuskit._dedup.memo`)."""
        return signed_batch(records)

    def engine(self) -> Deduplicator:
        """A dedup engine with this step's settings (``corpuskit check`` runs one on published rows)."""
        return Deduplicator(self.params)

    def collector(self) -> Collector:
        from corpuskit._dedup.apply import DedupCollector

        return DedupCollector(self)

    def output_schema(self, schema):
        """``annotate`` adds a ``cluster`` column (before ``provenance``)."""
        import pyarrow as pa

        if self.params.mode != "annotate":
            return schema
        return schema.insert(schema.get_field_index("provenance"), pa.field("cluster", pa.string()))
