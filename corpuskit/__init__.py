"""corpuskit: clean, deduplicated, versioned news datasets with provenance.

The library the ``corpuskit`` command is a thin shell over (docs/api.md)::

    import corpuskit
    result = corpuskit.Pipeline([corpuskit.NormalizeWhitespace(), corpuskit.Dedup()]).run(texts)

Public names are imported when first used, so the command line starts as fast as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.2.0"

#: public name -> the module that defines it
_WHERE = {
    # steps, under their stable names: fix_encoding, normalize_whitespace, strip_boilerplate,
    # normalize_variants, detect_language, dedup
    "FixEncoding": "corpuskit.steps.encoding",
    "NormalizeWhitespace": "corpuskit.steps.whitespace",
    "StripBoilerplate": "corpuskit.steps.boilerplate",
    "NormalizeVariants": "corpuskit.steps.variants",
    "DetectLanguage": "corpuskit.steps.language",
    "Dedup": "corpuskit.steps.dedup",
    # composing and running
    "Pipeline": "corpuskit._api",
    "Result": "corpuskit._api",
    "StepStats": "corpuskit.steps.base",
    # your own steps
    "TextStep": "corpuskit.steps.custom",
    "Drop": "corpuskit.steps.base",
    "Step": "corpuskit.steps.base",
    "RecordStep": "corpuskit.steps.base",
    # one call each
    "read": "corpuskit._api",
    "clean": "corpuskit._api",
    "dedup": "corpuskit._api",
    "build": "corpuskit._api",
    "check": "corpuskit._api",
    # errors
    "CorpuskitError": "corpuskit.errors",
    "ConfigError": "corpuskit.errors",
    "InputError": "corpuskit.errors",
    "PublishError": "corpuskit.errors",
}

__all__ = [  # the names of _WHERE, spelt out for tools that read __all__ without running it
    "FixEncoding", "NormalizeWhitespace", "StripBoilerplate", "NormalizeVariants", "DetectLanguage", "Dedup",
    "Pipeline", "Result", "StepStats", "TextStep", "Drop", "Step", "RecordStep",
    "read", "clean", "dedup", "build", "check",
    "CorpuskitError", "ConfigError", "InputError", "PublishError", "__version__",
]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'corpuskit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what type checkers and IDEs see (the package ships py.typed)
    from corpuskit._api import Pipeline, Result, build, check, clean, dedup, read
    from corpuskit.errors import ConfigError, CorpuskitError, InputError, PublishError
    from corpuskit.steps.base import Drop, RecordStep, Step, StepStats
    from corpuskit.steps.boilerplate import StripBoilerplate
    from corpuskit.steps.custom import TextStep
    from corpuskit.steps.dedup import Dedup
    from corpuskit.steps.encoding import FixEncoding
    from corpuskit.steps.language import DetectLanguage
    from corpuskit.steps.variants import NormalizeVariants
    from corpuskit.steps.whitespace import NormalizeWhitespace
