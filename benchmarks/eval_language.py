"""Measure ``detect_language`` on the 75-language sentences in ../shared/eval (never copied here).

Cases: single sentences and paragraphs of 5 consecutive sentences, from
``sentences/<lang>.txt`` (500 sentences per language; the file name is the
label). The first half of every file (sentences 0-249) is the half on which the
defaults were chosen, the second half (250-499) is held out; both are reported.

For each backend (langdetect, the default; py3langid when installed):

* covered languages (the backend has a model or a script names them): accuracy,
  ``und`` counted as wrong; for langdetect also plain ``langdetect.detect``
  (seed 0) on the same texts, and our best label without thresholds
  (``min_probability=0``) against it;
* languages the backend does not cover: share of confidently wrong labels
  (anything but ``und``), per language;
* ``hy``, ``ka`` (default backend) and ``az`` (py3langid) accuracy;
* labels identical across ``PYTHONHASHSEED`` values (subprocesses).

``nb`` and ``nn`` count as correct when labelled ``no`` (Norwegian, the
macrolanguage langdetect's profile stands for); ``zh`` as ``zh-cn``/``zh-tw``.

Run:  .venv/bin/pytest benchmarks/eval_language.py -s
  or: .venv/bin/python benchmarks/eval_language.py      (prints the figures)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "sentences"
ALIASES = {"nb": {"no", "nb"}, "nn": {"no", "nn"}, "zh": {"zh-cn", "zh-tw", "zh"}}
HALVES = {"tuning": range(0, 250), "held_out": range(250, 500)}


def _require_eval() -> None:
    if not EVAL.is_dir():
        pytest.skip(f"evaluation data not found at {EVAL} (it lives outside the repo, in ../shared/eval)")


def _correct(gold: str, label: str) -> bool:
    return label in ALIASES.get(gold, {gold})


def cases() -> list[tuple[str, str, str, int]]:
    """(gold, kind, text, index) for every sentence and 5-sentence paragraph."""
    out = []
    for path in sorted(EVAL.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        out += [(path.stem, "sentence", line, i) for i, line in enumerate(lines)]
        out += [(path.stem, "paragraph", " ".join(lines[i:i + 5]), i) for i in range(0, len(lines), 5)]
    return out


def covered(backend: str) -> set[str]:
    from corpuskit.lang import get_model
    from corpuskit.lang.scripts import SINGLE_LANGUAGE

    if backend == "py3langid":
        from corpuskit.lang import py3langid_backend

        labels = set(py3langid_backend.languages())
    else:
        labels = set(get_model().languages)
    labels |= set(SINGLE_LANGUAGE.values())
    golds = {path.stem for path in EVAL.glob("*.txt")}
    return {g for g in golds if ALIASES.get(g, {g}) & labels}


def _plain_langdetect(text: str) -> str:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return detect(text)
    except LangDetectException:
        return "und"


def evaluate(backend: str, with_plain: bool = False) -> dict:
    from corpuskit.lang import detect

    known = covered(backend)
    tally: dict = defaultdict(Counter)
    for gold, kind, text, index in cases():
        half = "tuning" if index < 250 else "held_out"
        label = detect(text, backend=backend)[0]
        key = (half, kind, gold)
        tally[key]["n"] += 1
        tally[key]["correct"] += _correct(gold, label)
        tally[key]["confident_wrong"] += label != "und" and not _correct(gold, label)
        if with_plain and gold in known:
            best = detect(text, backend=backend, min_probability=0, min_letters=1)[0]
            tally[key]["best_label_correct"] += _correct(gold, best)
            tally[key]["plain_correct"] += _correct(gold, _plain_langdetect(text))
    result: dict = {"backend": backend, "covered": sorted(known)}
    for half in HALVES:
        for kind in ("sentence", "paragraph"):
            rows = {g: c for (h, k, g), c in tally.items() if h == half and k == kind}
            cov = Counter()
            for g, c in rows.items():
                if g in known:
                    cov.update(c)
            unc = {g: round(c["confident_wrong"] / c["n"], 3) for g, c in sorted(rows.items())
                   if g not in known}
            unc_total = sum(rows[g]["confident_wrong"] for g in unc)
            unc_n = sum(rows[g]["n"] for g in unc)
            entry = {
                "covered_accuracy": round(cov["correct"] / cov["n"], 4),
                "covered_confident_wrong": round(cov["confident_wrong"] / cov["n"], 4),
                "uncovered_confident_wrong": round(unc_total / unc_n, 4) if unc_n else None,
                "uncovered_confident_wrong_by_language": unc,
                "accuracy": {g: round(c["correct"] / c["n"], 3) for g, c in sorted(rows.items())},
            }
            if with_plain:
                entry["covered_best_label_accuracy"] = round(cov["best_label_correct"] / cov["n"], 4)
                entry["covered_plain_langdetect_accuracy"] = round(cov["plain_correct"] / cov["n"], 4)
            result[f"{half}/{kind}"] = entry
    return result


_SEED_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import eval_language as e
from corpuskit.lang import detect
texts = [t for _, _, t, i in e.cases() if i % 25 == 0]
print(json.dumps([detect(t, backend=sys.argv[2]) for t in texts]))
"""


def same_across_hash_seeds(backend: str, seeds=("0", "1", "4242")) -> bool:
    outputs = set()
    for seed in seeds:
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-c", _SEED_SCRIPT, str(Path(__file__).parent), backend],
                             capture_output=True, text=True, env=env, check=True)
        outputs.add(run.stdout)
    return len(outputs) == 1


def _has_py3langid() -> bool:
    import importlib.util

    return importlib.util.find_spec("py3langid") is not None


def test_default_backend():
    _require_eval()
    result = evaluate("langdetect", with_plain=True)
    print(json.dumps(result, indent=1))
    for half in HALVES:
        for kind in ("sentence", "paragraph"):
            entry = result[f"{half}/{kind}"]
            assert entry["accuracy"]["hy"] >= 0.99 and entry["accuracy"]["ka"] >= 0.99
            # the ranking is langdetect's own: the best label is right at least as often
            assert entry["covered_best_label_accuracy"] >= entry["covered_plain_langdetect_accuracy"]
    assert same_across_hash_seeds("langdetect")


@pytest.mark.skipif(not _has_py3langid(), reason="py3langid not installed (pip install 'corpuskit[langid]')")
def test_py3langid_backend():
    _require_eval()
    result = evaluate("py3langid")
    print(json.dumps(result, indent=1))
    for half in HALVES:
        for kind in ("sentence", "paragraph"):
            entry = result[f"{half}/{kind}"]
            assert entry["accuracy"]["az"] >= 0.95
    assert same_across_hash_seeds("py3langid")


if __name__ == "__main__":
    if not EVAL.is_dir():
        sys.exit(f"evaluation data not found at {EVAL}")
    out = {"langdetect": evaluate("langdetect", with_plain=True)}
    if _has_py3langid():
        out["py3langid"] = evaluate("py3langid")
    print(json.dumps(out, indent=1))
