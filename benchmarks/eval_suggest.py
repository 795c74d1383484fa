"""``variants suggest`` on real news: the top 20 to judge by hand, and a check that it loads.

Reads ../shared/eval in place (research-use only, never copied here):

* ``originals``: the 2,400 ``original`` Reuters stories of ``neardup.jsonl.gz``;
  their real typos (``Juen 30``) are what a good ranking puts first. There is no
  ground truth: judge the printed top 20 (with a context snippet each).
* ``all records``: the same file with its perturbed copies. A suggested variant
  that occurs in no original was made by a perturbation (OCR damage, injected
  name variants), so it is a real variant: its share of the top 20 is printed
  as a check that needs no judging.
* ``sentences``: ``sentences/en.txt`` (500 sentences of other real text).

Every printed table is loaded back through the config loader.

Run:  .venv/bin/python benchmarks/eval_suggest.py
  or: .venv/bin/pytest benchmarks/eval_suggest.py -s
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import tempfile
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def _rows() -> list[dict]:
    with gzip.open(EVAL / "neardup.jsonl.gz", "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _loads(printed: str) -> dict:
    from corpuskit.config import load_config

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "suggested.toml"
        path.write_text(printed, encoding="utf-8")
        return load_config(str(path)).variants


def run(texts: list[str], top: int = 20) -> tuple[list, dict]:
    from corpuskit.variants_suggest import format_toml, suggest_variants

    found = suggest_variants(texts, top=top)
    return found, _loads(format_toml(found))


def evaluate() -> dict:
    rows = _rows()
    originals = [r["text"] for r in rows if r["kind"] == "original"]
    original_words = set(re.findall(r"\w+", " ".join(originals)))
    result = {}
    for name, texts in (("originals", originals), ("all records", [r["text"] for r in rows]),
                        ("sentences/en.txt", (EVAL / "sentences" / "en.txt").read_text("utf-8").splitlines())):
        found, lexicon = run(texts)
        result[name] = {
            "top": [f"{s.variant} x{s.variant_count} -> {s.canonical} x{s.canonical_count} ({s.edit}; "
                    f"neighbours {s.neighbours:.0%}, context {s.shared_context:.0%}) "
                    f"…{s.examples[0][20:100] if s.examples else ''}…" for s in found],
            "loaded_entries": len(lexicon),
        }
        if name == "all records":
            made = [s for s in found if s.variant not in original_words]
            result[name]["made_by_a_perturbation"] = f"{len(made)}/{len(found)}"
    return result


@pytest.mark.skipif(not (EVAL / "neardup.jsonl.gz").exists(), reason="../shared/eval is absent")
def test_suggestions_load_and_are_printed():
    result = evaluate()
    print(json.dumps(result, indent=1, ensure_ascii=False))
    for name, item in result.items():
        assert item["loaded_entries"] >= (1 if item["top"] else 0), name


if __name__ == "__main__":
    if not (EVAL / "neardup.jsonl.gz").exists():
        sys.exit(f"evaluation data not found at {EVAL}")
    print(json.dumps(evaluate(), indent=1, ensure_ascii=False))
