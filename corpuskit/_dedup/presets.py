"""Named parameter sets for the dedup stage (documented in docs/dedup.md)."""

from __future__ import annotations

from dataclasses import replace

from corpuskit._dedup.verify import Thresholds
from corpuskit.errors import ConfigError

#: preset name -> verification thresholds.
PRESETS: dict[str, Thresholds] = {
    # Reprints, abridged, re-headlined, noisy (OCR, mojibake, variants) copies of
    # news stories; template stories and stories dated > 3 days apart stay apart.
    "news": Thresholds(),
    # Only near-identical copies: at most light noise, nothing abridged.
    "strict": Thresholds(containment=0.85, headline=0.8, numbers=0.9,
                         max_days=1),
    # Identical canonical text only (whitespace, case, punctuation, mojibake ignored).
    "exact": Thresholds(exact_only=True),
}
PRESETS["default"] = PRESETS["news"]


def thresholds(preset: str, **overrides) -> Thresholds:
    """The preset's thresholds with any non-None ``overrides`` applied.

    >>> thresholds("news", containment=0.7).containment
    0.7
    """
    if preset not in PRESETS:
        raise ConfigError(f"unknown dedup preset {preset!r} (known: {', '.join(sorted(PRESETS))})")
    changes = {k: v for k, v in overrides.items() if v is not None}
    return replace(PRESETS[preset], **changes)
