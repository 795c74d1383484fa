"""Compare ``fix_encoding`` with plain ``ftfy.fix_encoding`` case by case.

Issue #10's promise: the encoding repair never edits text that plain
``ftfy.fix_encoding`` leaves unchanged, and repairs at least as well as ftfy.
Every case is put in one class:

* ``a``: ftfy leaves the text unchanged and ours changes it to something that is
  not the expected repair (must be 0). A change that only removes control
  characters (ftfy's ``remove_control_chars``, documented in docs/cleaners.md:
  a BOM, U+001A) is counted apart as ``a_documented``;
* ``b``: ftfy gives the expected repair and ours does not;
* ``c``: ours gives the expected repair and ftfy does not;
* ``d``: neither gives it;
* ``ok``: both give it.

Inputs (all outside the repository):

* ``$CORPUSKIT_FTFY_CASES``: a folder of test-case files in ftfy's format
  (``original``, ``fixed``, optional ``fixed-encoding``, ``expect`` or
  ``enabled``), such as ftfy's own ``tests/test-cases/*.json``. The expected
  repair is ``fixed-encoding``; without it, ``fixed`` compared after ftfy's
  cosmetic steps only (uncurled quotes, NFC, ligatures, widths, entities), which
  are not encoding repair and which ``fix_encoding`` deliberately leaves alone.
  Skipped when the variable is not set.
* ``../shared/eval/mojibake.jsonl.gz``: the dev mojibake set, expected ``fixed``.
* ``../shared/eval/sentences/*.txt``: every line is clean text; there is no
  expected repair, so lines are split into ``a`` / ``a_documented`` / ftfy
  unchanged and ours unchanged / ftfy changes and ours is the same / differs
  (each difference listed).
* The same sentences as 5-sentence paragraphs with one sentence read as cp1252,
  cp1251 or Mac Roman (``eval_cleaners.partial_mojibake_cases``), expected the
  paragraph itself, per code page.

Run:  CORPUSKIT_FTFY_CASES=/path/to/test-cases .venv/bin/pytest benchmarks/eval_ftfy_cases.py -s
  or: CORPUSKIT_FTFY_CASES=... .venv/bin/python benchmarks/eval_ftfy_cases.py   (prints everything)
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
CASES = os.environ.get("CORPUSKIT_FTFY_CASES")

#: ftfy's ``fix_text`` steps that are not encoding repair.
_COSMETIC = dict(unescape_html=True, remove_terminal_escapes=False, fix_encoding=False,
                 restore_byte_a0=False, replace_lossy_sequences=False,
                 decode_inconsistent_utf8=False, fix_c1_controls=False,
                 fix_latin_ligatures=True, fix_character_width=True, uncurl_quotes=True,
                 fix_line_breaks=True, fix_surrogates=False, remove_control_chars=False,
                 normalization="NFC")


def _cosmetic(text: str) -> str:
    import ftfy

    return ftfy.fix_text(text, ftfy.TextFixerConfig(**_COSMETIC))


def classify(original: str, ours: str, plain: str, right) -> str:
    """The class of one case; ``right(text)`` says whether ``text`` is the expected repair."""
    from ftfy.fixes import remove_control_chars

    ours_right, plain_right = right(ours), right(plain)
    if plain == original and ours != original and not ours_right:
        return "a_documented" if ours == remove_control_chars(original) else "a"
    if ours_right and plain_right:
        return "ok"
    if plain_right:
        return "b"
    return "c" if ours_right else "d"


def _run(original: str, right) -> tuple[str, str, str]:
    import ftfy

    from corpuskit.steps.encoding import fix_text

    ours, plain = fix_text(original)[0], ftfy.fix_encoding(original)
    return classify(original, ours, plain, right), ours, plain


def eval_case_file(path: Path) -> dict:
    counts: Counter = Counter()
    listed: list[dict] = []
    for case in json.loads(path.read_text(encoding="utf-8")):
        if "fixed-encoding" in case:
            want = case["fixed-encoding"]
            right = want.__eq__
        else:
            want = case["fixed"]
            right = lambda text, want=want: text == want or _cosmetic(text) == want  # noqa: E731
        kind, ours, plain = _run(case["original"], right)
        counts[kind] += 1
        if kind != "ok":
            listed.append({"class": kind, "label": case.get("label", ""), "original": case["original"],
                           "expected": want, "ours": ours, "ftfy": plain})
    return {"counts": dict(sorted(counts.items())), "cases": listed}


def eval_case_files(folder: Path) -> dict:
    return {path.name: eval_case_file(path) for path in sorted(folder.glob("*.json"))}


def eval_dev_mojibake() -> dict:
    counts: Counter = Counter()
    listed: list[dict] = []
    with gzip.open(EVAL / "mojibake.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            kind, ours, plain = _run(row["original"], row["fixed"].__eq__)
            counts[kind] += 1
            if kind in ("a", "b"):
                listed.append({"class": kind, "id": row["id"], "ours": ours, "ftfy": plain})
    n = sum(counts.values())
    return {"counts": dict(sorted(counts.items())), "n": n,
            "ours_accuracy": round((counts["ok"] + counts["c"]) / n, 4),
            "ftfy_accuracy": round((counts["ok"] + counts["b"]) / n, 4), "cases": listed}


def eval_sentence_lines() -> dict:
    """Every line of every sentences file (``str.splitlines``), classified as above."""
    import ftfy
    from ftfy.fixes import remove_control_chars

    from corpuskit.steps.encoding import fix_text

    counts: Counter = Counter()
    listed: list[dict] = []
    for path in sorted((EVAL / "sentences").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            plain, ours = ftfy.fix_encoding(line), fix_text(line)[0]
            if plain == line:
                kind = ("unchanged" if ours == line else
                        "a_documented" if ours == remove_control_chars(line) else "a")
            else:
                kind = "same_as_ftfy" if ours == plain else "differs_from_ftfy"
            counts[kind] += 1
            if kind not in ("unchanged", "same_as_ftfy"):
                listed.append({"class": kind, "lang": path.stem, "input": line, "ours": ours, "ftfy": plain})
    return {"counts": dict(sorted(counts.items())), "cases": listed}


def eval_partial_paragraphs() -> dict:
    cleaners = _load_eval_cleaners()
    counts: dict[str, Counter] = {}
    listed: list[dict] = []
    for encoding, text, want in cleaners.partial_mojibake_cases():
        kind, ours, plain = _run(text, want.__eq__)
        counts.setdefault(encoding, Counter())[kind] += 1
        if kind in ("a", "b"):
            listed.append({"class": kind, "encoding": encoding, "original": text, "expected": want,
                           "ours": ours, "ftfy": plain})
    return {"counts": {e: dict(sorted(c.items())) for e, c in sorted(counts.items())}, "cases": listed}


def _load_eval_cleaners():
    """The sibling benchmark module (benchmarks/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("corpuskit_eval_cleaners",
                                                  Path(__file__).with_name("eval_cleaners.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ftfy_case_files():
    if not CASES or not Path(CASES).is_dir():
        pytest.skip("set CORPUSKIT_FTFY_CASES to a folder of ftfy-format test-case files")
    result = eval_case_files(Path(CASES))
    print(json.dumps(result, indent=1, ensure_ascii=False))
    for name, item in result.items():
        assert item["counts"].get("a", 0) == 0, (name, [c for c in item["cases"] if c["class"] == "a"])
        assert item["counts"].get("b", 0) == 0, (name, [c for c in item["cases"] if c["class"] == "b"])


def test_dev_mojibake_and_sentences():
    if not (EVAL / "mojibake.jsonl.gz").exists():
        pytest.skip(f"evaluation data not found at {EVAL} (it lives outside the repo, in ../shared/eval)")
    dev = eval_dev_mojibake()
    sentences = eval_sentence_lines()
    partial = eval_partial_paragraphs()
    print(json.dumps({"dev_mojibake": dev, "sentences": sentences, "partial_paragraphs": partial},
                     indent=1, ensure_ascii=False))
    assert dev["counts"].get("a", 0) == 0 and dev["counts"].get("b", 0) == 0
    assert dev["ours_accuracy"] == 1.0
    assert sentences["counts"].get("a", 0) == 0
    for encoding, counts in partial["counts"].items():
        assert counts.get("a", 0) == 0 and counts.get("b", 0) == 0, encoding


if __name__ == "__main__":
    out = {}
    if CASES:
        out["ftfy_cases"] = eval_case_files(Path(CASES))
    if (EVAL / "mojibake.jsonl.gz").exists():
        out["dev_mojibake"] = eval_dev_mojibake()
        out["sentences"] = eval_sentence_lines()
        out["partial_paragraphs"] = eval_partial_paragraphs()
    if not out:
        sys.exit("nothing to evaluate: set CORPUSKIT_FTFY_CASES and/or provide ../shared/eval")
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    print()
