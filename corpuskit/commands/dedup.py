"""``corpuskit dedup``: cluster a JSONL file of ``{"id", "text"}`` records."""

from __future__ import annotations

import click

from corpuskit.cli import handle_errors


@click.command("dedup")
@click.argument("input_path", metavar="INPUT.jsonl", type=click.Path(dir_okay=False))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="Write one {\"id\", \"cluster\"} JSON line per input record here.")
@click.option("--preset", default="default", show_default=True,
              help="Dedup preset: default/news, strict or exact (see docs/dedup.md).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Cores to use (default: all): processes computing signatures, threads verifying pairs.")
@click.option("--explain", "explain_path", type=click.Path(dir_okay=False), default=None,
              help="Also write every merged pair with its similarity and matching test.")
@handle_errors
def command(input_path, out_path, preset, workers, explain_path):
    """Cluster duplicate articles in INPUT.jsonl (records with "id" and "text").

    The cluster label of a record is the id of its cluster's kept record (the
    most complete copy). Output lines follow input order.
    """
    from corpuskit._dedup.run import dedup_jsonl

    summary = dedup_jsonl(input_path, out_path, preset=preset, workers=workers,
                          explain_path=explain_path)
    click.echo(f"{out_path}: {summary['records']} records, {summary['clusters']} clusters, "
               f"{summary['copies']} copies", err=True)
