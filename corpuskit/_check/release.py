"""Release checks: the files that relate a version to the earlier ones beside it.

``release.changelog``  ``CHANGELOG.md`` equals the changelog generated again from this
                       folder and the latest earlier version beside it (a folder published
                       before corpuskit wrote changelogs has none: skipped)
``release.croissant``  ``croissant.json`` equals the description generated again from the
                       folder, and ``mlcroissant`` (when installed) finds no error in it
"""

from __future__ import annotations

import os

from corpuskit._check.folder import VersionFolder
from corpuskit._check.report import CheckResult


def check_changelog(folder: VersionFolder) -> CheckResult:
    from corpuskit.release import changelog_text
    from corpuskit.release.changelog import CHANGELOG
    from corpuskit.release.versions import previous_version

    result = CheckResult("release.changelog")
    path = os.path.join(folder.path, CHANGELOG)
    if not os.path.isfile(path):
        return result.skip(f"no {CHANGELOG} (published before corpuskit wrote changelogs)")
    with open(path, encoding="utf-8", errors="replace") as handle:
        published = handle.read()
    result.checked = 1
    previous = previous_version(folder.path)
    expected = changelog_text(folder.path, previous)
    if published == expected:
        against = f"compared with {os.path.basename(previous)}" if previous else "initial release"
        result.summary = f"{CHANGELOG} matches the diff ({against})"
    elif previous is None and "\nCompared with " in published:
        result.warn(CHANGELOG, "compares with an earlier version that is not beside this folder; "
                               "cannot be verified")
        result.summary = "earlier version not present"
    else:
        line = next((i for i, (a, b) in enumerate(zip(published.splitlines(), expected.splitlines()), 1)
                     if a != b), min(len(published.splitlines()), len(expected.splitlines())) + 1)
        result.fail(CHANGELOG, f"differs from the diff with "
                               f"{os.path.basename(previous) if previous else 'no earlier version'} "
                               f"(first at line {line})")
        result.summary = "changelog does not match the versions"
    return result


def check_croissant(folder: VersionFolder) -> CheckResult:
    from corpuskit.errors import DependencyError
    from corpuskit.publish import croissant

    result = CheckResult("release.croissant")
    path = os.path.join(folder.path, croissant.CROISSANT)
    if not os.path.isfile(path):
        return result.skip(f"no {croissant.CROISSANT} (published before corpuskit wrote one)")
    if folder.config is None:
        result.fail("manifest.json", f"cannot regenerate {croissant.CROISSANT}: {folder.config_error}")
        return result
    result.checked = 1
    with open(path, encoding="utf-8", errors="replace") as handle:
        published = handle.read()
    expected = croissant.render(folder.path, folder.config)
    if published != expected:
        line = next((i for i, (a, b) in enumerate(zip(published.splitlines(), expected.splitlines()), 1)
                     if a != b), min(len(published.splitlines()), len(expected.splitlines())) + 1)
        result.fail(croissant.CROISSANT, f"differs from the description of this folder (first at line {line})")
    try:
        errors = croissant.validate(path)
        validated = "mlcroissant finds no error"
    except DependencyError:
        errors, validated = [], "not validated by mlcroissant (pip install mlcroissant)"
    for error in errors:
        result.fail(croissant.CROISSANT, f"mlcroissant: {error}")
    result.summary = (f"describes this folder; {validated}" if not result.problems
                      else f"{len(result.problems)} problem(s)")
    return result


CHECKS = (check_changelog, check_croissant)
