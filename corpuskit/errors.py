"""Exceptions raised by corpuskit.

Every error a user can cause derives from :class:`CorpuskitError`; the CLI turns
it into one line on stderr and a non-zero exit, never a traceback::

    CorpuskitError
     ├── InputError        a source file cannot be read or parsed (names file and line)
     ├── ConfigError       the configuration is invalid (names the key)
     ├── PublishError      a dataset version cannot be published (e.g. it exists, differs)
     └── DependencyError   an optional dependency is missing (says what to install)
"""

from __future__ import annotations

__all__ = [
    "CorpuskitError",
    "InputError",
    "ConfigError",
    "PublishError",
    "DependencyError",
    "describe_value",
]


class CorpuskitError(Exception):
    """Root of every error corpuskit raises on purpose."""

    exit_code = 1


class InputError(CorpuskitError):
    """A source cannot be read or parsed.

    ``path`` and ``line`` (1-based) locate the problem; the message says what to do.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        self.reason = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)

    def __reduce__(self):
        # rebuilt from its parts when it crosses a process boundary (raised in a build worker)
        return type(self), (self.reason, self.path, self.line)


class ConfigError(CorpuskitError):
    """The configuration is invalid: one line per problem, each naming its key.

    ``problems`` holds the lines; all of a file's problems are reported at once,
    so a user fixes them in one round (the CLI prints each as ``Error: ...``;
    ``str()`` joins them with ``; `` for places that show one line).
    """

    def __init__(self, *problems: str):
        self.problems = [line for problem in problems for line in str(problem).splitlines()]
        super().__init__(*problems)

    def __str__(self) -> str:
        return "; ".join(self.problems)


class PublishError(CorpuskitError):
    """A dataset version cannot be published."""


class DependencyError(CorpuskitError):
    """An optional dependency is missing."""


_TOML_TYPES = ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
               (list, "an array"), (dict, "a table"))


def describe_value(value: object) -> str:
    """A value as the user wrote it, with its TOML type: ``'en' (a string)``."""
    import reprlib

    kind = next((name for cls, name in _TOML_TYPES if isinstance(value, cls)), type(value).__name__)
    short = reprlib.Repr()  # bounded: a huge or deeply nested value stays one short line
    short.maxstring = short.maxother = short.maxlong = 60
    short.maxlevel = 3
    return f"{short.repr(value)} ({kind})"


def require(module: str, feature: str, extra: str | None = None):
    """Import an optional dependency or raise a fix-it :class:`DependencyError`."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        package = extra or module
        raise DependencyError(
            f"install {package} to use {feature} (pip install {package})"
        ) from None
