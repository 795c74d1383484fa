"""``corpuskit clean``: run only the per-record cleaning steps and write JSONL."""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter

import click

from corpuskit.cli import handle_errors


def clean_records(inputs, steps, on_error: str = "raise", encodings=None, options=None,
                  engine=None, runner=None):
    """Yield every input record after ``steps``, in input order.

    The build's record runner does the work (:class:`~corpuskit.pipeline.Runner`, on
    ``engine``: default one process); a record a step removed carries ``removed``
    (step, reason, detail), as in a build's ``removed/``. ``runner``'s ``stats``
    add up what each step did. ``encodings``: the inputs' declared encodings (an
    ``EncodingPlan``).
    """
    from corpuskit.engine import LocalEngine
    from corpuskit.ids import IdCounter, final_ids
    from corpuskit.pipeline import Runner
    from corpuskit.readers import ReadOptions, Reader, expand_inputs

    runner = runner or Runner(list(steps))
    reader = Reader(expand_inputs(inputs), on_error=on_error, encodings=encodings,
                    options=options or ReadOptions())
    ids = IdCounter()
    with contextlib.closing(reader.units()) as units, \
            contextlib.closing((engine or LocalEngine(1)).map(runner, units)) as results:
        for result in results:
            for error in result.errors:
                reader.report_skipped(error)
            kept, dropped = final_ids(ids, result)
            at = dict(zip(result.kept_at, kept))
            at.update(zip(result.dropped_at, dropped))
            yield from (at[i] for i in range(result.records_in))


def encoding_plan(config_path: str | None, encoding: str | None):
    """The inputs' declared encodings: ``--encoding`` for all, else the ``--config``
    file's ``encoding``/``[encodings]``, else none (decide or detect)."""
    from corpuskit.config import load_config
    from corpuskit.readers.decoding import EncodingPlan, codec_name

    if encoding is not None:
        return EncodingPlan(codec_name(encoding, "--encoding"))
    if config_path is None:
        return None
    return load_config(config_path).encoding_plan()


def resolve_steps(config_path: str | None, names: str | None) -> list:
    """The record steps to run: from ``--config`` (or defaults), filtered by ``--steps``."""
    from corpuskit.config import load_config
    from corpuskit.errors import ConfigError
    from corpuskit.steps import RECORD_STEPS, STEPS, StepContext, build_step

    if config_path is not None:
        configured = [s for s in load_config(config_path).pipeline if s.kind == "record"]
    else:
        context = StepContext()
        configured = [build_step({"step": name}, context) for name in RECORD_STEPS]
    if names is None:
        return configured
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in RECORD_STEPS]
    if unknown:
        raise ConfigError(
            f"unknown step {unknown[0]!r} for --steps (valid: {', '.join(RECORD_STEPS)})"
        )
    by_name = {s.name: s for s in configured}
    context = StepContext()
    steps = []
    for name in RECORD_STEPS:  # always in pipeline order
        if name in wanted:
            steps.append(by_name.get(name) or STEPS[name].from_config({}, context))
    return steps


def read_options(config_path: str | None, fields: tuple[str, ...]):
    """How to read the inputs: ``--config``'s [fields] and [digest], ``--field`` replacing [fields]."""
    import dataclasses

    from corpuskit.config import load_config
    from corpuskit.readers.options import ReadOptions, parse_field_options

    options = load_config(config_path).read_options if config_path is not None else ReadOptions()
    if fields:
        options = dataclasses.replace(options, fields=parse_field_options(fields))
    return options


@click.command("clean")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--config", "config_path", type=click.Path(), default=None,
              help="TOML configuration whose [[pipeline]] and [variants] to use "
                   "(default: every record step with default settings).")
@click.option("--steps", "step_names", default=None, metavar="NAME,...",
              help="Run only these record steps (fix_encoding, normalize_whitespace, "
                   "strip_boilerplate, normalize_variants, detect_language).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write one JSON object per input record here (JSON Lines). "
                   "Required unless --explain is given.")
@click.option("--explain", is_flag=True,
              help="List every line a step removed, with its rule and where it came from "
                   "(file:line, record id), to review what the rules take out of a corpus.")
@click.option("--skip-bad-chunks", is_flag=True,
              help="Report and skip chunks the reader cannot parse instead of stopping.")
@click.option("--encoding", default=None, metavar="NAME",
              help="The encoding of every input (e.g. cp1251); default: the --config file's "
                   "encoding/[encodings], else UTF-8, a BOM, or a safe detection.")
@click.option("--field", "fields", multiple=True, metavar="FIELD=COLUMN",
              help="Read record FIELD from input column or key COLUMN (repeatable), e.g. --field text=content.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes running the steps (output is the same for any number).")
@handle_errors
def command(inputs, config_path, step_names, out, explain, skip_bad_chunks, encoding, fields, workers):
    """Clean records with the per-record steps only (no dedup, no publishing).

    INPUT may be JSON Lines with `id` and `text`, or press digests. Each output
    line holds the record's id, cleaned text and fields, `language` when
    detect_language ran, `dropped` (step and reason) when a step removed it,
    and the edits made.

    With --explain, every removed line is listed instead (or as well, with
    --out): FILE:LINE, record id, STEP:RULE and the text, then a count per rule.
    """
    from corpuskit._memory import arrow_without_pandas
    from corpuskit.cli import removed_on_failure, require_writable
    from corpuskit.engine import engine_for

    arrow_without_pandas()  # as the build does: ~45 MB less in every cleaning process
    if out is not None:
        require_writable(out, "--out")
    steps = resolve_steps(config_path, step_names)
    encodings = encoding_plan(config_path, encoding)
    options = read_options(config_path, fields)
    if out is None and not explain:
        raise click.UsageError("give --out FILE, --explain, or both")
    names = {s.name for s in steps}
    count = dropped_count = 0
    removed: Counter = Counter()
    tmp = f"{out}.tmp-{os.getpid()}" if out is not None else None
    with removed_on_failure(tmp) if tmp else contextlib.nullcontext(), \
            (open(tmp, "w", encoding="utf-8") if tmp else contextlib.nullcontext()) as handle:
        for record in clean_records(list(inputs), steps, "skip" if skip_bad_chunks else "raise",
                                    encodings, options, engine_for("local", workers)):
            if explain:
                removed.update(explain_removals(record))
            if handle is not None:
                handle.write(json.dumps(output_row(record, names), ensure_ascii=False) + "\n")
            count += 1
            dropped_count += "removed" in record
    if tmp is not None:
        os.replace(tmp, out)
    if explain:
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(removed.items())) or "none"
        click.echo(f"# {sum(removed.values())} lines removed from {count} records ({rules})")
    if out is not None:
        click.echo(f"{out}: {count} records cleaned with {', '.join(s.name for s in steps) or 'no steps'}"
                   f"; {dropped_count} dropped")


def explain_removals(record) -> Counter:
    """Print one line per paragraph a step removed from ``record``; count them by rule.

    Format: ``FILE:LINE<TAB>ID<TAB>STEP:RULE<TAB>removed text``, where FILE:LINE is
    where the record starts in its input.
    """
    counts: Counter = Counter()
    source = record.get("source") or {}
    where = f"{source.get('path', '?')}:{source.get('start_line', '?')}"
    for item in record["edits"]:
        if not item["action"].startswith("remove:"):
            continue
        rule = item["action"].split(":", 1)[1]
        counts[rule] += 1
        text = " ".join(item["detail"].split())
        click.echo(f"{where}\t{record['id']}\t{item['step']}:{rule}\t{text}")
    return counts


def output_row(record, names: set[str]) -> dict:
    """One output line of ``clean``: the record's fields, language, drop reason and edits."""
    row = {
        "id": record["id"],
        "title": record.get("title"),
        "outlet": record.get("outlet"),
        "date": record.get("date"),
        "time": record.get("time"),
        "author": record.get("author"),
        "url": record.get("url"),
        "text": record["text"],
    }
    if "detect_language" in names:
        row["language"] = record.get("language")
        row["language_score"] = record.get("language_score")
    if "removed" in record:
        row["dropped"] = {"reason": record["removed"]["reason"], "detail": record["removed"]["detail"]}
    row["edits"] = record["edits"]
    row["source"] = record["source"]
    return row
