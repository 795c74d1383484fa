"""``corpuskit variants``: tools for the spelling-variant lexicon."""

from __future__ import annotations

import click

from corpuskit.cli import handle_errors


@click.group("variants")
def command() -> None:
    """Find and manage spelling variants of names."""


@command.command("suggest")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--lexicon", "lexicon_path", type=click.Path(), default=None,
              help="TOML file with a [variants] table (or a corpuskit config): "
                   "variants it already lists are not suggested.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="Show at most this many suggestions.")
@click.option("--min-count", type=click.IntRange(min=1), default=3, show_default=True,
              help="A canonical name must occur at least this often.")
@handle_errors
def suggest(inputs, lexicon_path, top, min_count):
    """List likely unknown variants of frequent names in INPUT (digests or JSONL).

    The output is a [variants] TOML table, most likely first, with counts and
    context as comments: check it, then paste it into your configuration.
    """
    from corpuskit.readers import read_records
    from corpuskit.steps.encoding import fix_text
    from corpuskit.variants_suggest import format_toml, suggest_variants

    known = {}
    if lexicon_path is not None:
        known = _load_lexicon(lexicon_path)
    texts = (fix_text(r["text"])[0] for r in read_records(list(inputs)))
    found = suggest_variants(texts, known=known, top=top, min_count=min_count)
    click.echo(format_toml(found, known), nl=False)


def _load_lexicon(path: str) -> dict:
    import tomllib

    from corpuskit.errors import ConfigError
    from corpuskit.steps.variants import validate_lexicon

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such lexicon file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    table = data.get("variants", data.get("tool", {}).get("corpuskit", {}).get("variants", {}))
    return validate_lexicon(table)
