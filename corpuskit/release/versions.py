"""Version folders side by side: ``dist/<name>/<MAJOR.MINOR.PATCH>/``.

A dataset's versions are the sibling folders named by a version number that
hold a ``manifest.json``; the latest earlier version of a new one is the
highest number below it (a 1.0.1 published after 2.0.0 is compared with 1.0.0).
"""

from __future__ import annotations

import os
import re

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")

MAJOR, MINOR, PATCH = "MAJOR", "MINOR", "PATCH"
LEVELS = (PATCH, MINOR, MAJOR)  # in increasing order of change


def parse(version: str) -> tuple[int, int, int] | None:
    """``"1.2.3"`` -> ``(1, 2, 3)``; None when it is not a version number."""
    match = _VERSION.match(version or "")
    return tuple(int(part) for part in match.groups()) if match else None  # type: ignore[return-value]


def version_folders(parent: str) -> list[tuple[tuple[int, int, int], str]]:
    """``(version, folder)`` of every published version under ``parent``, lowest first."""
    if not os.path.isdir(parent):
        return []
    found = []
    for name in os.listdir(parent):
        number = parse(name)
        folder = os.path.join(parent, name)
        if number and os.path.isfile(os.path.join(folder, "manifest.json")):
            found.append((number, folder))
    return sorted(found)


def previous_version(target: str) -> str | None:
    """The folder of the latest version below ``target``'s, beside it; None for a first one."""
    number = parse(os.path.basename(os.path.normpath(target)))
    if number is None:
        return None
    earlier = [folder for version, folder in version_folders(os.path.dirname(os.path.normpath(target)))
               if version < number]
    return earlier[-1] if earlier else None


def bump(old: str, new: str) -> str | None:
    """How much ``new`` raises ``old``: MAJOR, MINOR or PATCH; None if it is not higher."""
    a, b = parse(old), parse(new)
    if a is None or b is None or b <= a:
        return None
    if b[0] > a[0]:
        return MAJOR
    if b[1] > a[1]:
        return MINOR
    return PATCH


def next_version(old: str, level: str) -> str:
    """The lowest version above ``old`` that makes a ``level`` change."""
    major, minor, patch = parse(old)  # type: ignore[misc]
    if level == MAJOR:
        return f"{major + 1}.0.0"
    if level == MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
