"""``corpuskit check``: the quality gate for a published version folder.

A published dataset is a promise; each check verifies one part of it and can
fail on its own. Families, one module each, in the order they run:

* :mod:`~corpuskit._check.card`        the card's front matter is valid, true, complete
* :mod:`~corpuskit._check.files`       the files are the files the manifest names
* :mod:`~corpuskit._check.loads`       ``datasets.load_dataset`` reads it offline as declared
* :mod:`~corpuskit._check.records`     every record is clean and unique
* :mod:`~corpuskit._check.provenance`  every record traces back to its source bytes
* :mod:`~corpuskit._check.replay`      the published text is what the recorded steps make of the source
* :mod:`~corpuskit._check.release`     the changelog (and other release files) are what they claim
* :mod:`~corpuskit._check.rebuild`     (``rebuild=True``) it rebuilds byte for byte

Thresholds and the allowed languages come from the configuration recorded in
the manifest unless overridden::

    report = run_checks("dist/my-news/1.0.0", rebuild=True)
    print(report.render()); raise SystemExit(report.exit_code)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from corpuskit._check.folder import FolderError, VersionFolder, open_folder
from corpuskit._check.report import FAIL, PASS, SKIP, WARN, CheckResult, Problem, Report

log = logging.getLogger(__name__)

Check = Callable[[VersionFolder], CheckResult]


def all_checks(rebuild: bool = False, load: bool = True) -> list[Check]:
    """Every check function, in the order they run."""
    from corpuskit._check import card, files, loads, provenance, records, release, replay
    from corpuskit._check import rebuild as rebuild_mod

    checks: list[Check] = [*card.CHECKS, *files.CHECKS]
    if load:
        checks += loads.CHECKS
    checks += [*records.CHECKS, *provenance.CHECKS, *replay.CHECKS, *release.CHECKS]
    if rebuild:
        checks += rebuild_mod.CHECKS
    return checks


def check_name(check: Check) -> str:
    """The stable name of a check function's result, e.g. ``records.min_chars``."""
    family = check.__module__.rsplit(".", 1)[-1]
    short = check.__name__.removeprefix("check_")
    if family in ("loads", "rebuild"):
        return short
    return f"{family}.{short}"


def check_names() -> list[str]:
    """Every check's name, in the order they run (what ``[check] skip`` may list)."""
    return [check_name(c) for c in all_checks(rebuild=True)]


def run_checks(folder: str, *, rebuild: bool = False, strict: bool = False, load: bool = True,
               root: str | None = None, min_chars: int | None = None,
               near_duplicate_threshold: float | None = None,
               languages: Sequence[str] | None = None, only: Sequence[str] | None = None,
               inputs: Sequence[str] = (), workers: int = 1, warnings: bool = True,
               memo: str | None = None, progress: Callable[[CheckResult], None] | None = None) -> Report:
    """Check a published version folder; return the report (never raises for a failed check).

    Raises :class:`FolderError` (exit code 2) when ``folder`` cannot be read at all.
    ``only`` keeps checks whose name or family is listed (e.g. ``["card", "records.ids"]``).
    ``inputs``: paths outside the project root that the rebuild may read.
    ``workers``: processes of the per-record checks' one pass over the rows (the report is
    the same for any number; see :mod:`~corpuskit._check.scan`).
    ``warnings=False`` (the build's gate, which publishes unless a check fails): the checks
    leave out the work whose only outcome can be a warning (``VersionFolder.warnings``),
    and the report holds no warnings; every failure is found as with ``warnings=True``
    (``tests/test_check.py`` compares the two on planted problems). Not with ``strict``,
    where a warning is a failure.
    ``memo`` (the build's gate): the folder of the build's dedup signatures
    (:mod:`corpuskit._dedup.memo`); ``records.near_duplicates`` takes a row's signature from
    it when the row's signed fields, read back, are those the build signed, and signs a
    sample again (see docs/check.md). The findings are those of a check without it.
    """
    if strict and not warnings:
        raise ValueError("strict=True turns warnings into failures: it needs warnings=True")
    started = time.perf_counter()
    overrides = {"min_chars": min_chars, "near_duplicate_threshold": near_duplicate_threshold,
                 "languages": tuple(languages) if languages else None}
    version = open_folder(folder, root=root, overrides=overrides, allowed_inputs=tuple(inputs))
    report = Report(folder=folder, strict=strict, warnings=warnings)
    skipped = _relaxed(version)
    checks = all_checks(rebuild=rebuild, load=load)
    version.workers, version.warnings, version.memo = workers, warnings, memo
    version.scan_plan = _scan_plan([c for c in checks if not _is_relaxed(check_name(c), skipped)])
    results: dict[str, CheckResult] = {}
    for check in sorted(checks, key=lambda c: check_name(c) in LAST):  # LAST at the end, else in order
        name = check_name(check)
        clock = time.perf_counter()
        if _is_relaxed(name, skipped):
            result = CheckResult(name).skip("relaxed by the recorded [check] skip (see the card)")
        else:
            try:
                result = check(version)
            except Exception as exc:  # noqa: BLE001 - a crashing check is a failed check, not a crash
                log.info("check %s crashed", name, exc_info=True)
                result = CheckResult(name)
                result.fail("check", f"crashed: {type(exc).__name__}: {exc}")
        # a check of the shared pass reports the CPU seconds of its own part of the pass
        result.seconds = result.seconds or time.perf_counter() - clock
        if not warnings:
            result.drop_warnings()  # a cheap warning computed anyway: not evaluated either
        results[name] = result
        if progress and _wanted(result, only):
            progress(result)
    for result in (results[check_name(c)] for c in checks):
        if _wanted(result, only):
            report.add(result)
    report.seconds = time.perf_counter() - started
    return report


#: Checks that import ``datasets`` or ``mlcroissant`` (~80 MB that a process keeps until it
#: exits): run after the others (reported in their usual place), so that in the build's
#: gate this memory is not added to the shared pass's peak (two processes) nor to the dedup
#: resolve's. ``progress`` sees them last.
LAST = ("files.schema", "release.croissant")


def _wanted(result: CheckResult, only: Sequence[str] | None) -> bool:
    return not only or result.name in only or result.family in only


def _is_relaxed(name: str, skipped: set[str]) -> bool:
    return name in skipped or name.split(".", 1)[0] in skipped


def _scan_plan(checks: list[Check]) -> tuple:
    """The per-record checks among ``checks``, which share one pass over the rows."""
    import sys

    return tuple(sys.modules[c.__module__].SCANS[c.__name__] for c in checks
                 if c.__name__ in getattr(sys.modules[c.__module__], "SCANS", {}))


def _relaxed(version: VersionFolder) -> set[str]:
    """Checks the recorded configuration skips (``[check] skip``): relaxed on purpose, and
    recorded in the manifest and on the card."""
    skip = version.check_setting("skip", [])
    return {name for name in skip if isinstance(name, str)} if isinstance(skip, list) else set()


__all__ = ["FAIL", "PASS", "SKIP", "WARN", "CheckResult", "FolderError", "Problem", "Report",
           "all_checks", "check_name", "check_names", "run_checks"]
