"""``corpuskit diff A B``: records added, removed and changed between two versions."""

from __future__ import annotations

import click

from corpuskit.cli import handle_errors


def render(diff) -> str:
    """The diff as text: summary, then each record, changed ones with their text diff."""
    lines = [f"{diff.old_version} -> {diff.new_version}: {diff.level} change", diff.summary()]
    for sign, items in (("+", diff.added), ("-", diff.removed)):
        lines += [f"{sign} {item['id']} {item['title'] or ''}".rstrip() for item in sorted(items, key=lambda i: i["id"])]
    for change in sorted(diff.changed, key=lambda c: c.id):
        lines.append(f"~ {change.id} {change.title or ''}: {', '.join(change.fields)}".rstrip())
        for name in change.fields:
            if name == "text":
                lines += [f"    {line}" for line in change.text_diff()]
            else:
                lines.append(f"    {name}: {change.before.get(name)!r} -> {change.after.get(name)!r}")
    for rid in sorted(diff.provenance_only):
        lines.append(f"p {rid}: provenance only")
    for heading, changes in (("configuration", diff.config), ("software", diff.software)):
        for c in changes:
            lines.append(f"{heading}: {c['key']}: {c['before']!r} -> {c['after']!r}")
    return "\n".join(lines)


@click.command("diff")
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
@handle_errors
def command(old, new, as_json):
    """Show what changed from version folder OLD to version folder NEW.

    Records are matched by id: added, removed, changed (which fields, with a
    text diff), plus configuration and software changes and the version bump
    (PATCH, MINOR, MAJOR) the change needs.
    """
    import json

    from corpuskit._check.folder import open_folder
    from corpuskit.release.diff import diff_folders

    for folder in (old, new):
        open_folder(folder)  # one clear line for a folder that is not a version
    diff = diff_folders(old, new)
    if as_json:
        click.echo(json.dumps(diff.to_dict(), indent=2, ensure_ascii=False, sort_keys=True))
    else:
        click.echo(render(diff))
