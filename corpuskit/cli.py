"""The ``corpuskit`` command line: a thin shell over the library.

Errors a user can cause print one line, ``Error: ...``, and exit non-zero.
"""

from __future__ import annotations

import functools
import logging
import os
import sys

import click

from corpuskit import __version__
from corpuskit.errors import CorpuskitError


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def handle_errors(func):
    """Turn corpuskit errors into one line and an exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CorpuskitError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; nothing was published", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence
            if os.environ.get("CORPUSKIT_DEBUG"):
                raise
            _fail(f"internal error ({type(exc).__name__}: {exc}); "
                  "rerun with CORPUSKIT_DEBUG=1 for details and report it", 2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpuskit")
@click.option("-v", "--verbose", is_flag=True, help="Log what the library is doing.")
def main(verbose: bool) -> None:
    """Turn messy news collections into clean, deduplicated, versioned datasets."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(), default=None,
              help="Standalone TOML configuration (default: ./corpuskit.toml or [tool.corpuskit]).")
@click.option("--out", type=click.Path(), default=None,
              help="Folder to publish the version into (default: dist/<name>/<version>/).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Cores the build may use (default: all): N cleaning processes, up to N threads "
                   "in the dedup and write stages; with 1, everything runs in one thread.")
@click.option("--skip-bad-chunks", is_flag=True,
              help="Report and skip chunks the reader cannot parse instead of stopping.")
@click.option("--field", "fields", multiple=True, metavar="FIELD=COLUMN",
              help="Read record FIELD from input column or key COLUMN (repeatable; replaces "
                   "the configuration's [fields]), e.g. --field text=content.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary table.")
@click.option("--stats-json", "stats_json", type=click.Path(dir_okay=False), default=None,
              help="Write the per-step table with times to this JSON file (times are never published).")
@handle_errors
def build(inputs, config_path, out, workers, skip_bad_chunks, fields, quiet, stats_json):
    """Build and publish a dataset.

    With no arguments, run from the project root: builds the dataset that
    corpuskit.toml describes from its inputs into dist/<name>/<version>/.
    With INPUT files, folders or globs, builds those instead.
    """
    from corpuskit.build import build as run_build
    from corpuskit.config import load_config
    from corpuskit.progress import BuildProgress, print_summary

    config = with_fields(load_config(config_path), fields)
    on_error = "skip" if skip_bad_chunks else None

    def report(error):
        click.echo(f"Warning: skipped: {error}", err=True)

    show = not quiet and sys.stderr.isatty()
    with BuildProgress(enabled=show) as progress:
        result = run_build(config, inputs=list(inputs) or None, out=out, workers=workers,
                           progress=progress.update, on_error=on_error, report=report)
    if stats_json:
        from corpuskit.build import write_json

        write_json(stats_json, result.stats_table())
    if not quiet:
        print_summary(result)
    verb = "published" if result.status == "published" else "unchanged (identical content already published)"
    click.echo(f"{os.path.relpath(result.folder)}: {verb}; {result.rows} records, {result.removed} removed")


def with_fields(config, fields: tuple[str, ...]):
    """``config`` reading inputs with the ``--field`` mapping, when one is given."""
    if not fields:
        return config
    import dataclasses

    from corpuskit.readers.options import parse_field_options

    options = dataclasses.replace(config.read_options, fields=parse_field_options(fields))
    return dataclasses.replace(config, read_options=options)


def _register() -> None:
    from corpuskit.commands import discover

    for command in discover():
        main.add_command(command)


_register()
