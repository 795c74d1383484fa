"""Removal precision of ``strip_boilerplate`` on real text that holds no boilerplate.

Every paragraph below is body text, so every removal is a wrong one (target: 0).
The text is read in place from ../shared/eval (research-use only, never copied):

* ``articles``: the 2,400 ``original`` Reuters stories of ``neardup.jsonl.gz``,
  as given (headline and paragraphs separated by blank lines);
* ``paragraphs``: each of their paragraphs as a record of its own;
* ``single_newlines``: each story with its paragraphs joined by single line
  breaks and a ``Reuter`` sign-off paragraph, the shape in which a whole
  dividend story was once removed as a "caption";
* ``trailing_asides``: every real parenthetical found in those stories and in
  ``sentences/*.txt`` (``(Apple Computer Inc, ...)``, ``(RWNT.L)``, ``(5 pct)``)
  moved to the end of its own sentence, the shape of a caption credit;
* ``sentences``: the real sentences in 75 languages of ``sentences/*.txt``.

Recall is measured on the 167 copies of kind ``boilerplate`` in the same file
(1-3 generated boilerplate items added to an original): a paragraph left that
is not in the original is missed boilerplate, a removed paragraph that is in
the original is a wrong removal. The dev digests' 132 boilerplate lines are
checked by eval_cleaners.py.

Run:  .venv/bin/pytest benchmarks/eval_boilerplate.py -s
  or: .venv/bin/python benchmarks/eval_boilerplate.py   (prints the figures and every removal)
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
_ASIDE = re.compile(r"\(([^()\n]{2,120})\)")


def _rows() -> list[dict]:
    with gzip.open(EVAL / "neardup.jsonl.gz", "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def originals() -> list[str]:
    return [row["text"] for row in _rows() if row["kind"] == "original"]


def boilerplate_recall() -> dict:
    """Removed, missed and wrongly removed paragraphs on the ``boilerplate`` copies."""
    from corpuskit.records import new_record
    from corpuskit.steps.boilerplate import StripBoilerplate

    rows = _rows()
    original = {r["cluster"]: {p.strip() for p in r["text"].split("\n\n")}
                for r in rows if r["kind"] == "original"}
    step = StripBoilerplate()
    counts = {"copies": 0, "removed": 0, "wrongly_removed": 0, "missed": 0}
    for row in rows:
        if row["kind"] != "boilerplate":
            continue
        body = original[row["cluster"]]
        out = step.apply(new_record(text=row["text"], source={}))
        counts["copies"] += 1
        counts["removed"] += len(out["edits"])
        counts["wrongly_removed"] += sum(e["detail"] in body for e in out["edits"])
        counts["missed"] += sum(p.strip() not in body for p in out["text"].split("\n\n"))
    return counts


def sentences() -> list[str]:
    return [line.strip() for path in sorted((EVAL / "sentences").glob("*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def trailing_asides(texts: list[str]) -> list[str]:
    """Each real ``(aside)`` moved to the end of the sentence or paragraph it sits in."""
    out = []
    for text in texts:
        for paragraph in text.split("\n\n"):
            for found in _ASIDE.finditer(paragraph):
                rest = (paragraph[:found.start()] + paragraph[found.end():]).strip()
                rest = " ".join(rest.split())
                if len(rest) >= 20:
                    ending = "" if rest[-1] in ".!?" else "."
                    out.append(f"{rest}{ending} ({found.group(1)})")
    return out


def corpora() -> dict[str, list[str]]:
    stories = originals()
    lines = sentences()
    return {
        "articles": stories,
        "paragraphs": [p for s in stories for p in s.split("\n\n") if p.strip()],
        "single_newlines": ["\n".join(s.split("\n\n")) + "\n\nReuter" for s in stories],
        "trailing_asides": trailing_asides(stories + lines),
        "sentences": lines,
    }


def evaluate() -> dict:
    from corpuskit.records import new_record
    from corpuskit.steps.boilerplate import StripBoilerplate

    step = StripBoilerplate()
    result: dict = {"corpora": {}, "removed": []}
    for name, texts in corpora().items():
        paragraphs = removed = 0
        for text in texts:
            paragraphs += len([p for p in text.split("\n\n") if p.strip()])
            out = step.apply(new_record(text=text, source={}))
            for item in out["edits"]:
                removed += 1
                result["removed"].append(f"{name}: {item['action']}: {item['detail'][:160]!r}")
        result["corpora"][name] = {"records": len(texts), "paragraphs": paragraphs, "removed": removed}
    result["total_paragraphs"] = sum(c["paragraphs"] for c in result["corpora"].values())
    result["total_removed"] = sum(c["removed"] for c in result["corpora"].values())
    result["boilerplate_copies"] = boilerplate_recall()
    return result


@pytest.mark.skipif(not (EVAL / "neardup.jsonl.gz").exists(), reason="../shared/eval is absent")
def test_no_body_paragraph_removed():
    result = evaluate()
    print(json.dumps(result, indent=1))
    assert result["total_paragraphs"] >= 20_000
    assert result["total_removed"] == 0, result["removed"][:10]
    copies = result["boilerplate_copies"]
    assert copies["missed"] == 0 and copies["wrongly_removed"] == 0, copies


if __name__ == "__main__":
    if not (EVAL / "neardup.jsonl.gz").exists():
        sys.exit(f"evaluation data not found at {EVAL}")
    print(json.dumps(evaluate(), indent=1))
