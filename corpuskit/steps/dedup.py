"""``dedup``: the corpus-wide duplicate-removal step (see :mod:`corpuskit._dedup`, docs/dedup.md)."""

from __future__ import annotations

from dataclasses import dataclass

from corpuskit._dedup import Deduplicator, DedupParams
from corpuskit._dedup.presets import PRESETS
from corpuskit.steps.base import Step


class Dedup(Step):
    """Remove exact and near-duplicate copies, keeping the most complete one.

    ``mode = "annotate"`` keeps every record and adds a ``cluster`` id instead.
    Threshold parameters left unset take the preset's value.
    """

    name = "dedup"
    kind = "corpus"

    @dataclass(frozen=True)
    class Params:
        preset: str = "default"
        mode: str = "drop"
        containment: float | None = None
        headline: float | None = None
        numbers: float | None = None
        max_days: int | None = None

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

    def engine(self) -> Deduplicator:
        p = self.params
        return Deduplicator(DedupParams(preset=p.preset, mode=p.mode, containment=p.containment,
                                        headline=p.headline, numbers=p.numbers, max_days=p.max_days))
