"""Every variant of the dev lexicon (../shared/eval/digest-lexicon.toml) normalised, in every form.

Each listed variant is put in a sentence as listed, in capitals, in lower case,
with its spaces and hyphens swapped, and with a straight or curly possessive;
the output must hold the canonical spelling (in the same case style) once and
the variant no more. Near-misses in running text are measured by
eval_cleaners.py on the dev digests.

Run:  .venv/bin/pytest benchmarks/eval_variants.py -s
  or: .venv/bin/python benchmarks/eval_variants.py
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def _forms(variant: str) -> list[tuple[str, str]]:
    """(form of the variant, case style the canonical must come out in)."""
    swapped = variant.translate(str.maketrans({" ": "-", "-": " "}))
    return [(variant, "as listed"), (variant.upper(), "upper"), (variant.lower(), "lower"),
            (swapped, "as listed"), (variant + "'s", "as listed"), (variant + "’s", "as listed")]


def _count(text: str, word: str) -> int:
    return len(re.findall(rf"(?<!\w){re.escape(word)}(?!\w)", text))


def evaluate() -> dict:
    from corpuskit.steps.variants import NormalizeVariants, validate_lexicon

    with open(EVAL / "digest-lexicon.toml", "rb") as handle:
        lexicon = validate_lexicon(tomllib.load(handle)["variants"])
    step = NormalizeVariants(lexicon=tuple(sorted(lexicon.items())))
    total = ok = 0
    problems = []
    for canonical, variants in lexicon.items():
        for variant in variants:
            for form, style in _forms(variant):
                want = {"upper": canonical.upper(), "lower": canonical.lower()}.get(style, canonical)
                out = step.rewrite(f"Officials said {form} met them.")[0]
                total += 1
                if _count(out, want) == 1 and _count(out.casefold(), variant.casefold()) == 0:
                    ok += 1
                else:
                    problems.append(f"{form!r} -> {out!r}")
    return {"forms": total, "normalised": ok, "problems": problems}


@pytest.mark.skipif(not (EVAL / "digest-lexicon.toml").exists(), reason="../shared/eval is absent")
def test_every_dev_variant_normalised():
    result = evaluate()
    print(result)
    assert result["normalised"] == result["forms"], result["problems"][:5]


if __name__ == "__main__":
    if not (EVAL / "digest-lexicon.toml").exists():
        sys.exit(f"evaluation data not found at {EVAL}")
    print(evaluate())
