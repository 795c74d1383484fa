"""The registry of pipeline steps, by stable name.

The same names are used in configuration files, on the command line, in
statistics and in provenance.
"""

from __future__ import annotations

from corpuskit.errors import ConfigError
from corpuskit.steps.base import Collector, CorpusStep, Drop, RecordStep, RowBatch, Step, StepContext, StepStats
from corpuskit.steps.boilerplate import StripBoilerplate
from corpuskit.steps.dedup import Dedup
from corpuskit.steps.encoding import FixEncoding
from corpuskit.steps.language import DetectLanguage
from corpuskit.steps.variants import NormalizeVariants
from corpuskit.steps.whitespace import NormalizeWhitespace

STEPS: dict[str, type[Step]] = {
    cls.name: cls
    for cls in (FixEncoding, NormalizeWhitespace, StripBoilerplate, NormalizeVariants,
                DetectLanguage, Dedup)
}

#: The default pipeline, in order.
DEFAULT_PIPELINE = (
    "fix_encoding",
    "normalize_whitespace",
    "strip_boilerplate",
    "normalize_variants",
    "detect_language",
    "dedup",
)

#: Steps that look at one record at a time (``corpuskit clean`` runs only these).
RECORD_STEPS = tuple(name for name in DEFAULT_PIPELINE if STEPS[name].kind == "record")


def build_step(table: dict, context: StepContext) -> Step:
    """Instantiate a step from a ``{step = NAME, ...params}`` table."""
    import difflib

    table = dict(table)
    name = table.pop("step", None)
    if name is None:
        raise ConfigError(f"a [[pipeline]] table has no step = NAME (known: {', '.join(STEPS)})")
    if name not in STEPS:
        close = difflib.get_close_matches(str(name), list(STEPS), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(STEPS)}"
        raise ConfigError(f"unknown pipeline step {name!r}; {hint}")
    return STEPS[name].from_config(table, context)


__all__ = [
    "DEFAULT_PIPELINE", "RECORD_STEPS", "STEPS", "Collector", "CorpusStep", "Drop", "RecordStep",
    "RowBatch", "Step", "StepContext", "StepStats", "build_step",
]
