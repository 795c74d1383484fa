"""``corpuskit explain FOLDER ID``: why a published record looks the way it does."""

from __future__ import annotations

import click

from corpuskit.cli import handle_errors


@click.command("explain")
@click.argument("folder", type=click.Path())
@click.argument("record_id")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.option("--root", type=click.Path(file_okay=False), default=None,
              help="Project root the cited sources are relative to (default: the folder that contains dist/).")
@handle_errors
def command(folder, record_id, as_json, root):
    """Explain record RECORD_ID of the version folder FOLDER.

    Shows the raw source span (verified by the source file's sha256), every
    edit of every step with the fields before and after (by replaying the
    recorded steps), the copies merged into it, and for a removed record why
    and into what.
    """
    import json

    from corpuskit.release.explain import explain, render

    info = explain(folder, record_id, root=root)
    click.echo(json.dumps(info, indent=2, ensure_ascii=False) if as_json else render(info))
