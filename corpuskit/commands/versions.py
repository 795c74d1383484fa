"""``corpuskit versions DIST/NAME``: the published versions of a dataset."""

from __future__ import annotations

import click

from corpuskit.cli import handle_errors


@click.command("versions")
@click.argument("dataset", type=click.Path())
@handle_errors
def command(dataset):
    """List the versions published under DATASET (e.g. dist/<name>): records,
    removed records, the change each made (from its CHANGELOG.md) and when its
    folder was built (the manifest's modification time, UTC).
    """
    import datetime
    import os

    from corpuskit.errors import InputError
    from corpuskit.release.changelog import CHANGELOG
    from corpuskit.release.versions import version_folders
    from corpuskit.publish.manifest import read_manifest

    found = version_folders(dataset)
    if not found:
        raise InputError("no published versions (folders like 1.0.0/ holding a manifest.json); "
                         "give a dataset folder like dist/<name>", dataset)
    click.echo(f"{'version':<10} {'records':>8} {'removed':>8}  {'built (UTC)':<16}  change")
    for _, folder in found:
        manifest = read_manifest(folder)
        rows = manifest.get("rows") or {}
        built = datetime.datetime.fromtimestamp(os.path.getmtime(os.path.join(folder, "manifest.json")),
                                                datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{os.path.basename(folder):<10} {rows.get('default', 0):>8} {rows.get('removed', 0):>8}  "
                   f"{built:<16}  {_change(os.path.join(folder, CHANGELOG))}")


def _change(path: str) -> str:
    """The changelog's one-line verdict ("Compared with 1.0.0: a MINOR change.")."""
    import os

    if not os.path.isfile(path):
        return "(no changelog)"
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith(("Compared with", "Initial release")):
                return line.strip()
    return "(no changelog)"
