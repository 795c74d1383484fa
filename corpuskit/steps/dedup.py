"""``dedup``: the corpus-wide duplicate-removal step (see :mod:`corpuskit.dedup`)."""

from __future__ import annotations

from dataclasses import dataclass

from corpuskit.dedup import Deduplicator, DedupParams
from corpuskit.steps.base import Step


class Dedup(Step):
    """Remove exact and near-duplicate copies, keeping the most complete one."""

    name = "dedup"
    kind = "corpus"

    @dataclass(frozen=True)
    class Params:
        preset: str = "default"
        mode: str = "drop"

    @classmethod
    def coerce(cls, table, context):
        table = dict(table)
        mode = table.get("mode", "drop")
        if mode not in ("drop", "annotate"):
            raise ValueError(f"mode must be 'drop' or 'annotate', not {mode!r}")
        return table

    def engine(self) -> Deduplicator:
        return Deduplicator(DedupParams(preset=self.params.preset, mode=self.params.mode))
