"""Reproducibility check (``--rebuild``): the recorded inputs and configuration
rebuild the folder byte for byte.

``reproducible``  ``corpuskit._build.build`` with the manifest's configuration, run
                  into a temporary folder from the recorded inputs (relative to the
                  project root), gives files whose sha256 all equal the published ones;
                  inputs outside the project root (or ``--input`` paths) are never read
"""

from __future__ import annotations

import os
import shutil
import tempfile

from corpuskit._check.folder import CONFIG_COPY, VersionFolder
from corpuskit._check.report import CheckResult
from corpuskit.errors import CorpuskitError
from corpuskit.publish.manifest import tree_digests
from corpuskit.release import RELEASE_FILES
from corpuskit.release.content import software_differences

#: Inputs up to this size are rebuilt in-process (no worker start-up cost).
SMALL_INPUT_BYTES = 16 * 1024 * 1024


def _saved_config(folder: VersionFolder):
    """The recorded configuration, from ``corpuskit.toml`` when it equals the manifest's.

    ``manifest.json`` is written with sorted keys, which loses the order of user
    tables such as ``[variants]``; the TOML copy keeps it, and the order shows in
    the rebuilt ``corpuskit.toml``. ``files.config`` checks that the two agree.
    """
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from corpuskit.config import parse_config
    from corpuskit.publish.manifest import _toml_safe

    try:
        with open(os.path.join(folder.path, CONFIG_COPY), "rb") as handle:
            saved = tomllib.load(handle)
        if saved == _toml_safe(folder.config_data):
            return parse_config(saved, folder.root, source_file=CONFIG_COPY)
    except (OSError, tomllib.TOMLDecodeError, CorpuskitError):
        pass
    return folder.config


def _outside_inputs(folder: VersionFolder, config) -> list[str]:
    """Recorded input files outside the project root and the ``--input`` paths.

    A manifest is data anyone can edit: ``inputs = ["/etc/passwd"]`` must not make
    the gate read (and copy into a rebuild) files outside the project.
    """
    from corpuskit.readers import expand_inputs

    allowed = [os.path.realpath(p) for p in (folder.root, *folder.allowed_inputs)]
    try:
        files = expand_inputs(config.inputs, root=folder.root)
    except CorpuskitError:
        return []  # the rebuild reports it
    outside = []
    for path in files:
        real = os.path.realpath(path)
        if not any(os.path.commonpath([real, tree]) == tree for tree in allowed):
            outside.append(path)
    return outside


def _first_difference(published: str, rebuilt: str) -> str | None:
    """For a text file, the first line that differs (a hint at what changed)."""
    if not published.endswith((".md", ".json", ".toml")):
        return None
    with open(published, encoding="utf-8", errors="replace") as a, \
            open(rebuilt, encoding="utf-8", errors="replace") as b:
        for number, (old, new) in enumerate(zip(a, b), start=1):
            if old != new:
                return f"line {number}: published {old.strip()[:60]!r}, rebuilt {new.strip()[:60]!r}"
    return "one file is longer"


def check_reproducible(folder: VersionFolder) -> CheckResult:
    from corpuskit._build import build

    result = CheckResult("reproducible")
    if folder.config is None:
        result.fail("manifest.json", f"cannot rebuild: {folder.config_error}")
        return result
    config = _saved_config(folder)
    outside = _outside_inputs(folder, config)
    if outside:
        for path in outside:
            result.fail(path, f"recorded input is outside the project root {folder.root}; --rebuild "
                              "reads only inputs under the root or given with --input")
        result.summary = "not rebuilt: the recorded inputs reach outside the project"
        return result
    out = tempfile.mkdtemp(prefix="corpuskit-check-rebuild-")
    try:
        inputs = folder.manifest.get("inputs") or []
        size = sum(i.get("bytes", 0) for i in inputs if isinstance(i, dict))
        workers = 1 if size <= SMALL_INPUT_BYTES else None
        try:
            # a path that does not exist yet: build publishes into it (or under it)
            # the published folder itself goes through the gate in this run: the rebuild
            # only has to be byte-identical to it
            rebuilt = build(config, out=os.path.join(out, "rebuilt"), workers=workers, gate=False)
        except CorpuskitError as exc:
            result.fail("rebuild", f"failed: {exc}")
            return result
        software = software_differences(folder.manifest.get("software") or {})
        if software:  # bytes depend on the software: compare what the version says instead
            return _by_content(result, folder, rebuilt.folder, software, len(inputs))
        # release files relate a version to its neighbours: check.release verifies them
        ours, theirs = ({rel: digest for rel, digest in tree_digests(path).items() if rel not in RELEASE_FILES}
                        for path in (folder.path, rebuilt.folder))
        result.checked = len(set(ours) | set(theirs))
        for rel in sorted(set(ours) | set(theirs)):
            if rel not in theirs:
                result.fail(rel, "published, but the rebuild does not produce it")
            elif rel not in ours:
                result.fail(rel, "the rebuild produces it, but it is not published")
            elif ours[rel] != theirs[rel]:
                hint = _first_difference(os.path.join(folder.path, rel), os.path.join(rebuilt.folder, rel))
                result.fail(rel, f"rebuild differs (sha256 {theirs[rel][:12]}…, published {ours[rel][:12]}…)"
                                 + (f"; {hint}" if hint else ""))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    result.summary = (f"rebuild from {len(inputs)} recorded input(s) is byte-identical ({result.checked} files)"
                      if not result.problems else f"{len(result.problems)} file(s) differ on rebuild")
    return result


def _by_content(result: CheckResult, folder: VersionFolder, rebuilt: str, software: list[str],
                inputs: int) -> CheckResult:
    from corpuskit.release.content import compare_content

    result.warn("software", f"built with other software ({'; '.join(software)}): records compared by "
                            "content, not bytes (a byte check needs the recorded versions; see constraints.txt)")
    for item, reason in compare_content(folder.path, rebuilt):
        result.fail(item, reason)
    result.checked = len(folder.config_names())
    result.summary = (f"rebuild from {inputs} recorded input(s) has the same records and manifest content"
                      if not result.problems else f"{len(result.problems)} difference(s) in content on rebuild")
    return result


CHECKS = (check_reproducible,)
