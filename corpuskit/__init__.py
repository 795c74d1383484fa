"""corpuskit: clean, deduplicated, versioned news datasets with provenance."""

from __future__ import annotations

__version__ = "0.2.0"

from corpuskit.errors import ConfigError, CorpuskitError, InputError, PublishError  # noqa: E402

__all__ = ["ConfigError", "CorpuskitError", "InputError", "PublishError", "__version__"]
