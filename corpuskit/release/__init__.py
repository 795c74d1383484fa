"""Versioned releases: the files that relate a version to the ones before it.

A version folder holds the *build outputs* (data, card, configuration,
``manifest.json``), which a rebuild reproduces byte for byte, and *release
files* derived from them and from the earlier versions beside it:
``CHANGELOG.md`` (the diff with the latest earlier version). Release files are
not in the manifest; ``corpuskit check`` verifies them by generating them again.

:func:`release_files` is the build's hook, called on the staged folder just
before it is published: it refuses a version number that understates the
change (nothing is published) and writes the release files.
"""

from __future__ import annotations

import os

from corpuskit.errors import PublishError
from corpuskit.publish.croissant import CROISSANT
from corpuskit.release.changelog import CHANGELOG, initial_changelog, render_changelog
from corpuskit.release.diff import Diff, diff_folders
from corpuskit.release.versions import LEVELS, bump, next_version, previous_version

#: Files a version folder may hold beyond its manifest (verified by the ``release`` checks).
RELEASE_FILES = (CHANGELOG, CROISSANT)


def check_number(diff: Diff) -> None:
    """Refuse a new version number that understates ``diff`` (overstating is allowed)."""
    made = bump(diff.old_version, diff.new_version)
    needed = diff.level
    if made is None:
        raise PublishError(f"version {diff.new_version} is not above the previous version "
                           f"{diff.old_version}; {diff.summary()}")
    if LEVELS.index(made) < LEVELS.index(needed):
        raise PublishError(
            f"version {diff.new_version} understates the change from {diff.old_version}: a {needed} "
            f"change needs at least {next_version(diff.old_version, needed)} ({diff.summary()}); "
            "raise 'version' in the configuration")


def changelog_text(folder: str, previous: str | None, diff: Diff | None = None) -> str:
    """The ``CHANGELOG.md`` of ``folder`` given the folder of the version before it (or None)."""
    from corpuskit.publish.manifest import read_manifest

    manifest = read_manifest(folder)
    name = str(manifest.get("pretty_name") or manifest.get("name"))
    if previous is None:
        rows = manifest.get("rows") or {}
        return initial_changelog(name, str(manifest.get("version")), rows.get("default", 0),
                                 rows.get("removed", 0))
    return render_changelog(name, diff or diff_folders(previous, folder))


def release_files(staging: str, target: str, config) -> Diff | None:
    """Write the release files of ``staging`` (to be published as ``target``); return the diff.

    Raises :class:`PublishError` when the version number understates the change
    from the latest earlier version beside ``target``. A version already
    published without release files (by an older corpuskit) keeps its exact
    files, so republishing it stays a no-op.
    """
    if os.path.isdir(target) and not any(os.path.exists(os.path.join(target, name)) for name in RELEASE_FILES):
        return None
    previous = previous_version(target)
    diff = diff_folders(previous, staging) if previous else None
    if diff is not None:
        check_number(diff)
    from corpuskit.publish import croissant

    _write(os.path.join(staging, CHANGELOG), changelog_text(staging, previous, diff))
    _write(os.path.join(staging, CROISSANT), croissant.render(staging, config))
    return diff


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


__all__ = ["RELEASE_FILES", "changelog_text", "check_number", "release_files"]
