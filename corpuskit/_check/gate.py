"""The build's gate: the static checks a staged version must pass before it is published."""

from __future__ import annotations

from corpuskit.config import Config
from corpuskit.errors import ConfigError, PublishError


class GateError(PublishError):
    """The staged version fails the gate: nothing is published; one line per failing check."""


def gate_settings(config: Config) -> dict:
    """The gate relaxations set in ``[check]`` (``skip``, ``allow_empty``), validated."""
    from corpuskit._check import check_names

    skip = config.check.get("skip", [])
    allow_empty = config.check.get("allow_empty", False)
    if not isinstance(skip, list) or not all(isinstance(s, str) for s in skip):
        raise ConfigError(f"[check] skip must be a list of check names, e.g. [\"records.min_chars\"], "
                          f"not {skip!r}")
    known = check_names()
    families = {name.split(".", 1)[0] for name in known}
    for name in skip:
        if name not in known and name not in families:
            raise ConfigError(f"[check] skip: unknown check {name!r} (known: {', '.join(known)})")
    if not isinstance(allow_empty, bool):
        raise ConfigError(f"[check] allow_empty must be true or false, not {allow_empty!r}")
    return {"skip": skip, "allow_empty": allow_empty}


def run_gate(config: Config, staged: str, workers: int = 1, memo: str | None = None) -> None:
    """Run the gate's static checks on the staged version (the per-record ones on ``workers``
    processes); raise :class:`GateError` on failure. ``memo``: the build's dedup signatures
    (:mod:`corpuskit._dedup.memo`), which ``records.near_duplicates`` takes where it may.

    The gate decides on failures alone (a warning never stops a build), so it runs the
    checks without warnings (``run_checks(warnings=False)``): the work whose only outcome
    can be a warning (above all the language detector's second opinion on every record)
    is left out, and every failure is still found. ``corpuskit check`` on the published
    folder reports the warnings too.
    """
    from corpuskit._check import run_checks
    from corpuskit._memory import trim_heap

    trim_heap()  # the build's stages leave Arrow's pool and the heap holding freed pages
    report = run_checks(staged, load=False, root=config.root, workers=workers, warnings=False, memo=memo)
    failed = report.failed()
    if failed:
        raise GateError(
            f"the staged version fails {len(failed)} check(s) of the gate; nothing was published "
            "(fix the inputs or configuration; a check is relaxed only by [check] skip):\n"
            + "\n".join(f"  {result.line()}" for result in failed))
