"""``corpuskit check``: the quality gate for a published version folder."""

from __future__ import annotations

import click

from corpuskit.cli import handle_errors


@click.command("check")
@click.argument("folder", type=click.Path())
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Also write a machine-readable report to this file ('-' for stdout).")
@click.option("--strict", is_flag=True, help="Treat warnings as failures.")
@click.option("--rebuild", is_flag=True,
              help="Also rebuild from the recorded inputs and configuration and compare every file.")
@click.option("--no-load", is_flag=True, help="Skip the datasets.load_dataset check.")
@click.option("--root", type=click.Path(file_okay=False), default=None,
              help="Project root that inputs and cited sources are relative to "
                   "(default: the folder that contains dist/, else the current folder).")
@click.option("--input", "allowed_inputs", multiple=True, type=click.Path(),
              help="With --rebuild: also allow reading this recorded input outside the project "
                   "root (repeatable; by default only inputs under the root are read).")
@click.option("--min-chars", type=click.IntRange(min=0), default=None,
              help="Override the recorded [check] min_chars.")
@click.option("--near-duplicate-threshold", default=None, hidden=True)  # gone: refused with a why
@click.option("--language", "languages", multiple=True,
              help="Allowed language (repeatable); default: the recorded detect_language languages.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes for the per-record checks (default: the CPUs this process may use).")
@handle_errors
def command(folder, json_path, strict, rebuild, no_load, root, allowed_inputs, min_chars,
            near_duplicate_threshold, languages, workers):
    """Verify a published version folder, e.g. dist/<name>/<version>.

    Checks the card, the files, that it loads offline, every record and its
    provenance (and with --rebuild, that it rebuilds byte for byte). Prints one
    line per check. Exit 0 when every check passes, 1 when any fails, 2 when the
    folder cannot be read at all.
    """
    import json
    import sys

    from corpuskit._check import FolderError, run_checks
    from corpuskit.cli import UsageError, require_writable
    from corpuskit.engine import default_workers

    if near_duplicate_threshold is not None:
        raise UsageError(
            "--near-duplicate-threshold no longer exists: records.near_duplicates runs the dedup "
            "engine with the recorded dedup settings (one definition of a copy); to judge copies "
            "differently, change the dedup step's preset or containment and rebuild")
    if json_path and json_path != "-":
        require_writable(json_path, "--json")
    try:
        report = run_checks(folder, rebuild=rebuild, strict=strict, load=not no_load, root=root,
                            min_chars=min_chars, languages=languages or None, inputs=allowed_inputs,
                            workers=workers or default_workers())
    except FolderError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if json_path == "-":
        click.echo(text, nl=False)
    else:
        click.echo(report.render())
        if json_path:
            with open(json_path, "w", encoding="utf-8") as handle:
                handle.write(text)
    sys.exit(report.exit_code)
