"""Replay check: the published text is what the edit log makes of the source.

``provenance.replay``  each record (kept or removed) whose source file is present with
                       its recorded sha256 is read again from that file, and the fixes
                       of its published edits are applied in order; the result must equal
                       the published fields (all but the language labels). Records of
                       versions whose edits carry no fixes (1.0.x) are run through the
                       recorded per-record steps instead, which must give the published
                       fields and edit log. Records whose source is absent are reported
                       as not replayable (a warning), never silently passed.
"""

from __future__ import annotations

from corpuskit._check.folder import VersionFolder
from corpuskit._check.report import CheckResult
from corpuskit.errors import CorpuskitError


def check_replay(folder: VersionFolder) -> CheckResult:
    from corpuskit.release.replay import (SourceError, has_fixes, log_mismatch, mismatch, read_file,
                                          recorded_on_error, replay_file, span_key)

    result = CheckResult("provenance.replay")
    if folder.config is None:
        return result.skip(f"no usable recorded configuration ({folder.config_error})")
    steps = [s for s in folder.config.pipeline if s.kind == "record"]
    by_source: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    for name in folder.config_names():
        for row in folder.rows(name):
            prov = row.get("provenance") or {}
            by_source.setdefault((str(prov.get("source_path")), str(prov.get("source_sha256"))),
                                 []).append((name, row))
    unreplayable = 0
    for (cited, sha256), rows in sorted(by_source.items()):
        by_log = all(has_fixes(row) for _, row in rows)  # else re-run the steps (1.0.x)
        try:
            if by_log:
                found = read_file(cited, sha256, folder.root, recorded_on_error(folder), folder.config)
            else:
                found = replay_file(cited, sha256, folder.root, steps, recorded_on_error(folder), folder.config)
        except (SourceError, CorpuskitError) as exc:  # a missing or unreadable source is a finding
            unreplayable += len(rows)
            result.warn(cited, f"{len(rows)} record(s) cannot be replayed: {exc}")
            continue
        for name, row in rows:
            result.checked += 1
            label = str(row.get("id")) + ("" if name == "default" else f" ({name})")
            item = found.get(span_key(row.get("provenance") or {}))
            problem = ("the source holds no record at this span" if item is None
                       else log_mismatch(item, row) if by_log else mismatch(item, row))
            if problem:
                result.fail(label, problem)
    total = result.checked + unreplayable
    result.summary = (f"{result.checked - len(result.problems)}/{total} records replay from their sources "
                      f"to the published text" + (f"; {unreplayable} not replayable" if unreplayable else ""))
    return result


CHECKS = (check_replay,)
