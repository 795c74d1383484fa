"""The ``corpuskit`` command line: a thin shell over the library.

Errors a user can cause print one line, ``Error: ...``, and exit non-zero.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import sys
import threading

import click

from corpuskit import __version__
from corpuskit.errors import CorpuskitError


def _fail(message: str, code: int = 1, lines: list[str] | None = None) -> None:
    for line in lines or [message]:  # several problems (a ConfigError): one line each
        click.echo(f"Error: {line}", err=True)
    sys.exit(code)


class Interrupted(KeyboardInterrupt):
    """SIGTERM, SIGINT or SIGHUP arrived: unwinds like Ctrl-C, so every cleanup runs."""

    received: int | None = None  # the last signal turned into an interruption

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt(signum, frame) -> None:
    for each in _SIGNALS:  # one signal is enough: let the cleanup finish undisturbed
        signal.signal(each, signal.SIG_IGN)
    Interrupted.received = signum  # for a library that turns it into a plain KeyboardInterrupt (Ray)
    raise Interrupted(signum)


_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@contextlib.contextmanager
def _signals_raise():
    """While a command runs, SIGTERM/SIGINT/SIGHUP raise :class:`Interrupted` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {each: signal.signal(each, _interrupt) for each in _SIGNALS}
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


def require_writable(path: str, option: str) -> None:
    """Fail before any work when ``path`` (a file to write) cannot be written."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"{option} {path} is a folder; give a file path")
    if not os.path.isdir(folder):
        raise UsageError(f"{option} {path}: {folder} is not an existing folder; create it first")
    if not os.access(folder, os.W_OK | os.X_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(f"{option} {path}: not writable (permission denied); choose another path")


@contextlib.contextmanager
def removed_on_failure(path: str):
    """Delete ``path`` (a temporary output) if the block fails or is interrupted."""
    try:
        yield
    except BaseException:
        if os.path.lexists(path):
            os.unlink(path)
        raise


def _reader_left() -> None:
    """Whoever read stdout stopped (``corpuskit ... | head``): stop quietly, as Unix tools do.

    Exit 141 (128 + SIGPIPE, what a shell reports for a tool the closed pipe stopped);
    the rest of stdout goes to /dev/null so the interpreter's final flush cannot fail.
    Outputs being written are removed by their own cleanup (the exception unwound them).
    """
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(128 + signal.SIGPIPE)


class UsageError(CorpuskitError):
    """A command-line path or option cannot be used."""


def handle_errors(func):
    """Turn corpuskit errors into one line and an exit code; never a traceback.

    SIGTERM, SIGINT (Ctrl-C) and SIGHUP unwind the command like an error, so the
    build removes its own folder, and print one line (exit 128 + signal number).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with _signals_raise():
                result = func(*args, **kwargs)
                sys.stdout.flush()  # a reader that left shows here, not at exit
                return result
        except BrokenPipeError:
            _reader_left()
        except CorpuskitError as exc:
            _fail(str(exc), exc.exit_code, getattr(exc, "problems", None))
        except KeyboardInterrupt as exc:
            signum = exc.signum if isinstance(exc, Interrupted) else Interrupted.received or signal.SIGINT
            _fail(f"interrupted ({signal.Signals(signum).name}); stopped cleanly: nothing was "
                  "published and no partial output was left", 128 + signum)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence
            if os.environ.get("CORPUSKIT_DEBUG"):
                raise
            if isinstance(exc, OSError) and exc.filename:  # the file system refused: say where
                _fail(f"{exc.filename}: {exc.strerror or exc}; check the path, free space and permissions")
            _fail(f"internal error ({type(exc).__name__}: {exc}); "
                  "rerun with CORPUSKIT_DEBUG=1 for details and report it", 2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpuskit")
@click.option("-v", "--verbose", is_flag=True, help="Log what the library is doing.")
def main(verbose: bool) -> None:
    """Turn messy news collections into clean, deduplicated, versioned datasets."""
    # Arrow buffers from the C allocator, which gives freed pages back: a build makes and drops
    # many short-lived batches, and pyarrow's default (mimalloc) kept ~25-50 MB more per process
    # (build and workers). Read when pyarrow first allocates; an explicit setting wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    from corpuskit._memory import one_malloc_arena

    one_malloc_arena()  # and one malloc arena for all threads (see there)
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
@click.option("--engine", type=click.Choice(["local", "ray"]), default=None,
              help="Where the per-record work runs: this machine's processes (default) or a Ray "
                   "cluster (pip install 'corpuskit[ray]'); the output is the same. Overrides "
                   "the configuration's engine.")
@click.option("--address", default=None, metavar="auto|ray://HOST:PORT",
              help="With --engine ray: the cluster to run on (default: start a local one).")
@click.option("--skip-bad-chunks", is_flag=True,
              help="Report and skip chunks the reader cannot parse instead of stopping.")
@click.option("--encoding", default=None, metavar="NAME",
              help="The encoding of every input (e.g. cp1251), instead of the configuration's "
                   "encoding/[encodings] (default: UTF-8, a BOM, or a safe detection).")
@click.option("--field", "fields", multiple=True, metavar="FIELD=COLUMN",
              help="Read record FIELD from input column or key COLUMN (repeatable; replaces "
                   "the configuration's [fields]), e.g. --field text=content.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary table.")
@click.option("--stats-json", "stats_json", type=click.Path(dir_okay=False), default=None,
              help="Write the per-step table with times to this JSON file (times are never published).")
@handle_errors
def build(inputs, config_path, out, workers, engine, address, skip_bad_chunks, encoding, fields, quiet,
          stats_json):
    """Build and publish a dataset.

    With no arguments, run from the project root: builds the dataset that
    corpuskit.toml describes from its inputs into dist/<name>/<version>/.
    With INPUT files, folders or globs, builds those instead.
    """
    from corpuskit._build import build as run_build
    from corpuskit._memory import arrow_without_pandas
    from corpuskit.config import declare_encoding, load_config
    from corpuskit.engine import configured_engine
    from corpuskit.progress import BuildProgress, print_summary

    arrow_without_pandas()  # ~45 MB less in every cleaning process (see there); not imported by other commands
    config = with_fields(load_config(config_path), fields)
    runner = configured_engine(config, workers, engine, address)
    if stats_json:
        require_writable(stats_json, "--stats-json")
    if encoding is not None:
        config = declare_encoding(config, encoding)
    on_error = "skip" if skip_bad_chunks else None

    def report(error):
        click.echo(f"Warning: skipped: {error}", err=True)

    show = not quiet and sys.stderr.isatty()
    with BuildProgress(enabled=show) as progress:
        result = run_build(config, inputs=list(inputs) or None, out=out, workers=workers,
                           progress=progress.update, on_error=on_error, report=report, engine=runner)
    if stats_json:
        from corpuskit._build import write_json

        write_json(stats_json, result.stats_table())
    if not quiet:
        print_summary(result)
    verb = "published" if result.status == "published" else "unchanged (identical content already published)"
    click.echo(f"{os.path.relpath(result.folder)}: {verb}; {result.rows} records, {result.removed} removed")
    if not quiet:  # the gate decides on failures only (see corpuskit._check.gate.run_gate)
        click.echo(f"gate: no check fails (warnings are not evaluated here: corpuskit check "
                   f"{os.path.relpath(result.folder)} lists them)")


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
