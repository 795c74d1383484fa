"""``explain``: why a published record looks the way it does.

For one id: the raw source span (read from the source file, verified by its
sha256), what every step did to it (its edits with their fixes, and each changed
field before and after, by applying the published fixes to the record as read;
for versions without fixes by replaying the recorded steps), the copies merged
into it (similarity, matching test), and for a removed record why it was
removed and what it was merged into.
"""

from __future__ import annotations

import difflib
import re

from corpuskit.errors import InputError
from corpuskit.fixes import show
from corpuskit.publish.schema import SOURCE_KEYS
from corpuskit.release.replay import (FIELDS, SourceError, has_fixes, has_text, log_mismatch, mismatch, raw_span,
                                      read_file, recorded_on_error, replay_file, replay_log, span_key)


def _find(folder, rid: str) -> tuple[str, dict]:
    for name in folder.config_names():
        for row in folder.rows(name):
            if row.get("id") == rid:
                return name, row
    raise InputError(f"no record with id {rid!r} in the default or removed configuration; "
                     "ids are listed in the 'id' column", folder.path)


def explain(path: str, rid: str, root: str | None = None) -> dict:
    """Everything known about record ``rid`` of the version folder ``path``, as plain data."""
    from corpuskit._check.folder import open_folder

    folder = open_folder(path, root=root)
    config_name, row = _find(folder, rid)
    prov = row.get("provenance") or {}
    out: dict = {"id": rid, "config": config_name, "title": row.get("title"),
                 "source": {column: prov.get(column) for column, _ in SOURCE_KEYS},
                 "merged": prov.get("merged") or [], "removed": row.get("removed")}
    try:
        raw = raw_span(prov["source_path"], prov["source_sha256"], folder.root,
                       prov["start_byte"], prov["end_byte"])
        out["raw"] = raw.decode("utf-8", errors="replace")
        out["source"]["verified"] = True
    except SourceError as exc:
        out["raw"], out["source"]["verified"], out["source"]["error"] = None, False, str(exc)
    out["steps"], out["replay"] = _steps(folder, row, prov)
    removed = row.get("removed") or {}
    if removed.get("duplicate_of"):
        kept = next((r for r in folder.rows("default") if r.get("id") == removed["duplicate_of"]), None)
        out["merged_into"] = {"id": removed["duplicate_of"], "title": kept.get("title") if kept else None}
    return out


def _steps(folder, row: dict, prov: dict) -> tuple[list[dict], str]:
    """Per step: its edits and the fields it changed (before, after); and the replay verdict."""
    if folder.config is None:
        return [], f"not replayable: {folder.config_error}"
    if has_fixes(row):
        return _steps_from_log(folder, row, prov)
    steps = [s for s in folder.config.pipeline if s.kind == "record"]
    try:
        traces = replay_file(prov["source_path"], prov["source_sha256"], folder.root, steps,
                             recorded_on_error(folder), folder.config)
    except (SourceError, InputError) as exc:
        return [{"step": e["step"], "edits": [e]} for e in prov.get("edits") or []], f"not replayable: {exc}"
    trace = traces.get(span_key(prov))
    if trace is None:
        return [], "not replayable: the source holds no record at this span"
    out = []
    for stage in trace.stages:
        out.append({"step": stage.step, "edits": stage.edits, "dropped": stage.dropped,
                    "changes": {name: {"before": stage.before.get(name), "after": stage.after.get(name)}
                                for name in stage.changed()}})
    problem = mismatch(trace, row)
    return out, ("matches the published record" if problem is None else f"DIFFERS: {problem}")


def _steps_from_log(folder, row: dict, prov: dict) -> tuple[list[dict], str]:
    """Per step of the recorded pipeline: its edits with their fixes shown, the fields they changed."""
    edits = [dict(e) for e in prov.get("edits") or []]
    try:
        raw = read_file(prov["source_path"], prov["source_sha256"], folder.root, recorded_on_error(folder),
                        folder.config).get(span_key(prov))
    except (SourceError, InputError) as exc:
        return [{"step": e["step"], "edits": [e]} for e in edits], f"not replayable: {exc}"
    if raw is None:
        return [], "not replayable: the source holds no record at this span"
    try:
        log = replay_log(raw, edits)
    except ValueError as exc:
        return [{"step": e["step"], "edits": [e]} for e in edits], f"DIFFERS: the edit log does not replay: {exc}"
    removed = row.get("removed") or {}
    names = [s.name for s in folder.config.pipeline if s.kind == "record"]
    names += [n for n in dict.fromkeys(e["step"] for e, _, _ in log) if n not in names]
    if removed.get("step") not in (None, "dedup", *names):  # empty_text: before the steps or after them
        names.insert(0 if not has_text(raw) else len(names), removed["step"])
    out = []
    for name in names:
        entries = [entry for entry in log if entry[0]["step"] == name]
        stage: dict = {"step": name, "edits": [e for e, _, _ in entries],
                       "fixes": [[show(before[e["field"]], f) for f in e["fixes"]] for e, before, _ in entries],
                       "dropped": None, "changes": {}}
        if entries:
            before, after = entries[0][1], entries[-1][2]
            stage["changes"] = {n: {"before": before[n], "after": after[n]} for n in FIELDS
                                if before[n] != after[n]}
        if removed.get("step") == name:
            stage["dropped"] = {"reason": removed.get("reason"), "detail": removed.get("detail") or ""}
        out.append(stage)
        if stage["dropped"]:
            break
    problem = log_mismatch(raw, row)
    return out, ("matches the published record (replayed from the edit log)" if problem is None
                 else f"DIFFERS: {problem}")


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]{2,}$|[ \t\u00a0\u2000-\u200b\u202f\u3000]+$| {2,}|[\t\u00a0\u2000-\u200b\u202f\u3000]")


def _visible(line: str) -> str:
    """A diff line with the spaces a whitespace edit changes made visible (· space, ⍽ other space, → tab)."""
    return _SPACES.sub(lambda m: "".join("·" if c == " " else "→" if c == "\t" else "⍽" for c in m.group()), line)


def _field_diff(name: str, before, after) -> list[str]:
    if isinstance(before, str) and isinstance(after, str) and ("\n" in before or len(before) > 80):
        lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after",
                                          n=0, lineterm=""))[2:]
        return [_visible(line) if line[:1] in "+-" else line for line in lines]
    return [f"- {before!r}", f"+ {after!r}"]


def render(info: dict) -> str:
    """``explain``'s text output."""
    src = info["source"]
    lines = [f"{info['id']} ({info['config']} configuration): {info['title']}", "",
             f"source: {src['source_path']} lines {src['start_line']}-{src['end_line']}, "
             f"bytes {src['start_byte']}-{src['end_byte']}, sha256 {str(src['source_sha256'])[:12]}… "
             + ("(verified)" if src.get("verified") else f"(NOT verified: {src.get('error')})")]
    if info.get("raw") is not None:
        lines += ["", "raw source span:"] + [f"  | {line}" for line in info["raw"].splitlines()]
    lines += ["", "steps:"]
    for stage in info["steps"]:
        if stage.get("dropped"):
            lines.append(f"  {stage['step']}: dropped ({stage['dropped']['reason']}: {stage['dropped']['detail']})")
            continue
        if not stage.get("edits") and not stage.get("changes"):
            lines.append(f"  {stage['step']}: no change")
            continue
        lines.append(f"  {stage['step']}:")
        for index, e in enumerate(stage["edits"]):
            lines.append(f"    edit {e['field']} {e['action']} x{e['count']}"
                         + (f": {e['detail']}" if e["detail"] else ""))
            shown = stage.get("fixes") or []
            lines += [f"      fix {line}" for line in (shown[index] if index < len(shown) else [])]
        for name, change in (stage.get("changes") or {}).items():
            lines.append(f"    {name}:")
            lines += [f"      {line}" for line in _field_diff(name, change["before"], change["after"])]
    lines.append(f"  replay: {info['replay']}")
    if info["merged"]:
        lines += ["", "copies merged into it:"]
        for m in info["merged"]:
            lines.append(f"  {m['id']}: {m['match']}, similarity {m['similarity']:.3f} "
                         f"({m['source_path']} lines {m['start_line']}-{m['end_line']})")
    removed = info.get("removed")
    if removed:
        lines += ["", f"removed by {removed['step']}: {removed['reason']}"
                  + (f" ({removed['detail']})" if removed.get("detail") else "")]
        if info.get("merged_into"):
            into = info["merged_into"]
            lines.append(f"  merged into {into['id']}: {into['title']} ({removed['match']}, similarity "
                         f"{removed['similarity']:.3f})")
    return "\n".join(lines)
