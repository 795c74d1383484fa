"""``corpuskit clean``: run only the per-record cleaning steps and write JSONL."""

from __future__ import annotations

import json
import os

import click

from corpuskit.cli import handle_errors


def clean_records(inputs, steps, on_error: str = "raise", options=None):
    """Yield (record, dropped) for every input record after ``steps``.

    ``dropped`` is the :class:`~corpuskit.steps.Drop` that removed it, or None.
    """
    from corpuskit.readers import ReadOptions, read_records
    from corpuskit.steps import Drop

    for record in read_records(inputs, on_error=on_error, options=options or ReadOptions()):
        dropped = None
        for step in steps:
            result = step.apply(record)
            if isinstance(result, Drop):
                dropped = result
                break
            record = result
        yield record, dropped


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
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Write one JSON object per input record here (JSON Lines).")
@click.option("--skip-bad-chunks", is_flag=True,
              help="Report and skip chunks the reader cannot parse instead of stopping.")
@click.option("--field", "fields", multiple=True, metavar="FIELD=COLUMN",
              help="Read record FIELD from input column or key COLUMN (repeatable), e.g. --field text=content.")
@handle_errors
def command(inputs, config_path, step_names, out, skip_bad_chunks, fields):
    """Clean records with the per-record steps only (no dedup, no publishing).

    INPUT may be JSON Lines with `id` and `text`, or press digests. Each output
    line holds the record's id, cleaned text and fields, `language` when
    detect_language ran, `dropped` (step and reason) when a step removed it,
    and the edits made.
    """
    steps = resolve_steps(config_path, step_names)
    options = read_options(config_path, fields)
    for step in steps:
        warm = getattr(step, "warm_up", None)
        if warm:
            warm()
    names = {s.name for s in steps}
    count = dropped_count = 0
    tmp = f"{out}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        for record, dropped in clean_records(list(inputs), steps,
                                             "skip" if skip_bad_chunks else "raise", options):
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
            if dropped is not None:
                dropped_count += 1
                row["dropped"] = {"reason": dropped.reason, "detail": dropped.detail}
            row["edits"] = record["edits"]
            row["source"] = record["source"]
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    os.replace(tmp, out)
    click.echo(f"{out}: {count} records cleaned with {', '.join(s.name for s in steps) or 'no steps'}"
               f"; {dropped_count} dropped")
