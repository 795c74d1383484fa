"""``CHANGELOG.md``: what a version changed, generated from its diff with the previous one.

The text depends only on the two folders' contents (no dates, sorted lists),
so republishing the same version writes the same bytes and ``corpuskit check``
can verify the changelog by generating it again.
"""

from __future__ import annotations

from corpuskit.release.diff import Diff

CHANGELOG = "CHANGELOG.md"
#: Changed records shown with their text diff; the rest are listed (``corpuskit diff`` has all).
SHOWN_DIFFS = 20


def _title(item) -> str:
    title = item["title"] if isinstance(item, dict) else item.title
    rid = item["id"] if isinstance(item, dict) else item.id
    return f"`{rid}` {title}" if title else f"`{rid}`"


def _value(value) -> str:
    return "(unset)" if value is None else f"`{value}`"


def initial_changelog(name: str, version: str, rows: int, removed: int) -> str:
    return "\n".join([
        f"# Changelog: {name} {version}", "",
        f"Initial release: {rows} records ({removed} removed, in the `removed` configuration).", ""])


def render_changelog(name: str, diff: Diff) -> str:
    """The changelog of ``diff.new_version`` against ``diff.old_version``."""
    lines = [
        f"# Changelog: {name} {diff.new_version}", "",
        f"Compared with {diff.old_version}: a {diff.level} change.", "",
        "## Records", "",
        f"- added: {len(diff.added)}",
        f"- removed: {len(diff.removed)}",
        f"- changed: {len(diff.changed)}",
        f"- provenance only: {len(diff.provenance_only)}",
        f"- unchanged: {diff.unchanged}",
        f"- in the `removed` configuration: {diff.removed_rows[0]} -> {diff.removed_rows[1]}", "",
    ]
    for heading, items in (("Added", diff.added), ("Removed", diff.removed)):
        if items:
            lines += [f"### {heading}", ""] + [f"- {_title(i)}" for i in sorted(items, key=lambda i: i["id"])] + [""]
    if diff.changed:
        lines += ["### Changed", ""]
        for number, change in enumerate(sorted(diff.changed, key=lambda c: c.id)):
            lines.append(f"- {_title(change)}: {', '.join(change.fields)}")
            for name in change.fields:
                if name != "text":
                    lines.append(f"  - `{name}`: {_value(change.before.get(name))} -> {_value(change.after.get(name))}")
            if "text" in change.fields and number < SHOWN_DIFFS:
                lines += ["", "  ```diff"] + [f"  {line}" for line in change.text_diff()] + ["  ```"]
        if len(diff.changed) > SHOWN_DIFFS:
            lines += ["", f"Text diffs shown for the first {SHOWN_DIFFS}; `corpuskit diff` shows all."]
        lines.append("")
    if diff.provenance_only:
        lines += ["### Provenance only", ""] + [f"- `{rid}`" for rid in sorted(diff.provenance_only)] + [""]
    fields = [("added", diff.fields_added), ("removed", diff.fields_removed), ("retyped", diff.fields_retyped)]
    if any(names for _, names in fields):
        lines += ["## Fields", ""] + [f"- {label}: {', '.join(f'`{n}`' for n in names)}"
                                      for label, names in fields if names] + [""]
    for heading, changes in (("Configuration", diff.config), ("Software", diff.software)):
        if changes:
            lines += [f"## {heading}", ""] + [
                f"- `{c['key']}`: {_value(c['before'])} -> {_value(c['after'])}" for c in changes] + [""]
    return "\n".join(lines)
