"""Measure the cleaning steps on the dev data in ../shared/eval (never copied here).

* ``mojibake.jsonl.gz``: exact-match accuracy of ``fix_encoding`` overall, per
  kind and on the negatives, next to plain ``ftfy.fix_encoding``.
* ``sentences/*.txt`` (up to 500 real sentences in each of 75 languages): clean text
  unchanged. Every sentence that plain ``ftfy.fix_encoding`` leaves alone must
  come back byte-identical, apart from the documented removal of control
  characters (a BOM) by ftfy's ``remove_control_chars``; where ftfy changes a
  sentence (real mojibake in the source), ours is compared with it and every
  difference listed. Also: paragraphs of 5 sentences with one sentence turned
  into cp1252 / cp1251 / Mac Roman mojibake (seeded), repaired exactly or not.
* ``digest-*.txt`` with ``digest-lexicon.toml``: every block is read with
  corpuskit's digest reader and run through ``fix_encoding``,
  ``normalize_whitespace``, ``strip_boilerplate`` and ``normalize_variants``.
  Boilerplate: removed lines against the truth's ``boilerplate`` list of the same
  block (missed / wrongly removed). Variants: in every block that is not a
  truncated copy, injected variants left over (must be 0), near-miss occurrences
  (must equal the truth body's), and exact body match with the truth.

Run:  .venv/bin/pytest benchmarks/eval_cleaners.py -s
  or: .venv/bin/python benchmarks/eval_cleaners.py      (prints the figures)
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def _require_eval() -> None:
    if not (EVAL / "mojibake.jsonl.gz").exists():
        pytest.skip(f"evaluation data not found at {EVAL} (it lives outside the repo, in ../shared/eval)")


def eval_mojibake() -> dict:
    import ftfy

    from corpuskit.steps.encoding import fix_text

    total: Counter = Counter()
    ours: Counter = Counter()
    plain: Counter = Counter()
    with gzip.open(EVAL / "mojibake.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            kind = row["kind"]
            total[kind] += 1
            ours[kind] += fix_text(row["original"])[0] == row["fixed"]
            plain[kind] += ftfy.fix_encoding(row["original"]) == row["fixed"]
    n = sum(total.values())
    return {
        "overall": round(sum(ours.values()) / n, 4),
        "overall_plain_ftfy": round(sum(plain.values()) / n, 4),
        "per_kind": {k: {"n": total[k], "ours": round(ours[k] / total[k], 4),
                         "ftfy.fix_encoding": round(plain[k] / total[k], 4)} for k in sorted(total)},
    }


def _sentences() -> dict[str, list[str]]:
    return {path.stem: path.read_text(encoding="utf-8").splitlines()
            for path in sorted((EVAL / "sentences").glob("*.txt"))}


def eval_sentences() -> dict:
    import ftfy
    from ftfy.fixes import remove_control_chars

    from corpuskit.steps.encoding import fix_text

    totals: Counter = Counter()
    changed: list[dict] = []
    differences: list[dict] = []
    for lang, lines in _sentences().items():
        for line in lines:
            totals["sentences"] += 1
            plain = ftfy.fix_encoding(line)
            ours = fix_text(line)[0]
            if plain == line:
                if ours == line:
                    totals["clean_unchanged"] += 1
                elif ours == remove_control_chars(line):
                    totals["clean_documented_removal"] += 1
                else:
                    changed.append({"lang": lang, "input": line, "ours": ours})
                continue
            totals["ftfy_changes"] += 1
            if ours == plain:
                totals["same_as_ftfy"] += 1
            else:
                differences.append({"lang": lang, "input": line, "ftfy": plain, "ours": ours})
    totals["clean_changed"] = len(changed)
    totals["different_from_ftfy"] = len(differences)
    return {"totals": dict(totals), "clean_changed": changed, "differences_from_ftfy": differences}


def partial_mojibake_cases(seed: int = 1):
    """(encoding, text, expected): 5-sentence paragraphs (the first 200 sentences of
    every language) with one sentence, chosen at random, read as another code page."""
    import random

    rng = random.Random(seed)
    for lines in _sentences().values():
        for start in range(0, 200, 5):
            paragraph = lines[start:start + 5]
            k = rng.randrange(len(paragraph))
            encoding = rng.choice(["sloppy-windows-1252", "sloppy-windows-1252",
                                   "sloppy-windows-1251", "macroman"])
            try:
                broken = paragraph[k].encode("utf-8").decode(encoding)
            except UnicodeDecodeError:
                continue
            if broken == paragraph[k]:
                continue
            yield encoding, " ".join(paragraph[:k] + [broken] + paragraph[k + 1:]), " ".join(paragraph)


def eval_partial_mojibake(seed: int = 1) -> dict:
    """One sentence of a 5-sentence paragraph read as another code page."""
    import ftfy

    from corpuskit.steps.encoding import fix_text

    total: Counter = Counter()
    ours: Counter = Counter()
    plain: Counter = Counter()
    for encoding, text, want in partial_mojibake_cases(seed):
        total[encoding] += 1
        ours[encoding] += fix_text(text)[0] == want
        plain[encoding] += ftfy.fix_encoding(text) == want
    return {e: {"n": total[e], "ours": round(ours[e] / total[e], 3),
                "ftfy.fix_encoding": round(plain[e] / total[e], 3)} for e in sorted(total)}


def _lexicon() -> dict[str, tuple[str, ...]]:
    import tomllib

    from corpuskit.steps.variants import validate_lexicon

    with open(EVAL / "digest-lexicon.toml", "rb") as handle:
        return validate_lexicon(tomllib.load(handle)["variants"])


def _norm_body(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


def _count_word(text: str, word: str) -> int:
    return len(re.findall(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text))


def _steps(lexicon: dict):
    from corpuskit.steps.boilerplate import StripBoilerplate
    from corpuskit.steps.encoding import FixEncoding
    from corpuskit.steps.variants import NormalizeVariants
    from corpuskit.steps.whitespace import NormalizeWhitespace

    return [FixEncoding(), NormalizeWhitespace(), StripBoilerplate(),
            NormalizeVariants(lexicon=tuple(sorted(lexicon.items())))]


def eval_digests() -> dict:
    from corpuskit.readers import read_records
    from corpuskit.steps import Drop

    lexicon = _lexicon()
    steps = _steps(lexicon)
    totals = Counter()
    problems: list[str] = []
    for digest in sorted(EVAL.glob("digest-*.txt")):
        truth = json.loads(digest.with_suffix(".truth.json").read_text(encoding="utf-8"))
        blocks = {}
        for article in truth["articles"]:
            for copy in article["copies"]:
                blocks[copy["lines"][0]] = (article, copy)
        for record in read_records([str(digest)]):
            for step in steps:
                record = step.apply(record)
                assert not isinstance(record, Drop)
            article, copy = blocks[record["source"]["start_line"]]
            removed = [e["detail"] for e in record["edits"] if e["action"].startswith("remove:")]
            expected = [line.strip() for line in copy["boilerplate"]]
            totals["blocks"] += 1
            totals["boilerplate_expected"] += len(expected)
            missed = Counter(expected) - Counter(removed)
            extra = Counter(removed) - Counter(expected)
            totals["boilerplate_removed_ok"] += len(expected) - sum(missed.values())
            totals["boilerplate_missed"] += sum(missed.values())
            totals["wrongly_removed"] += sum(extra.values())
            for line in missed:
                problems.append(f"{digest.name}:{copy['lines'][0]} missed boilerplate {line[:70]!r}")
            for line in extra:
                problems.append(f"{digest.name}:{copy['lines'][0]} wrongly removed {line[:70]!r}")
            if copy["kind"] == "truncated":
                continue
            body = record["text"]
            totals["full_blocks"] += 1
            for item in article["variants_injected"]:
                left = _count_word(body, item["variant"])
                totals["variants_injected"] += item["count"]
                totals["variants_left"] += left
                if left:
                    problems.append(f"{digest.name}:{copy['lines'][0]} variant {item['variant']!r} left x{left}")
            for word in set(article["near_misses"]):
                want = _count_word(article["body"], word)
                got = _count_word(body, word)
                totals["near_miss_expected"] += want
                totals["near_miss_kept"] += min(want, got)
                if got != want:
                    problems.append(f"{digest.name}:{copy['lines'][0]} near-miss {word!r}: {got} != {want}")
            ok = _norm_body(body) == _norm_body(article["body"])
            totals["body_exact"] += ok
    return {"totals": dict(totals), "problems": problems}


def test_mojibake_targets():
    _require_eval()
    result = eval_mojibake()
    print(json.dumps(result, indent=1))
    assert result["overall"] >= 0.99
    for kind in ("negative", "utf8_as_cp1252", "utf8_as_cp1252_twice", "utf8_as_latin1"):
        assert result["per_kind"][kind]["ours"] == 1.0, kind


def test_clean_sentences_unchanged():
    _require_eval()
    result = eval_sentences()
    print(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps(eval_partial_mojibake(), indent=1))
    assert result["totals"]["clean_changed"] == 0
    # where ftfy repairs real mojibake, ours is the same or leaves less evidence of
    # mojibake (ftfy's badness plus the segment repair's oddities); the note lists them
    for item in result["differences_from_ftfy"]:
        assert _evidence(item["ours"]) < _evidence(item["ftfy"]), item


def _evidence(text: str) -> int:
    from corpuskit.steps.encoding import _badness

    return _badness(text, 0, len(text))


def test_digest_targets():
    _require_eval()
    result = eval_digests()
    print(json.dumps(result, indent=1))
    totals = result["totals"]
    assert totals["boilerplate_missed"] == 0
    assert totals["wrongly_removed"] == 0
    assert totals["variants_left"] == 0
    assert totals["near_miss_kept"] == totals["near_miss_expected"]


if __name__ == "__main__":
    if not (EVAL / "mojibake.jsonl.gz").exists():
        sys.exit(f"evaluation data not found at {EVAL}")
    print(json.dumps({"mojibake": eval_mojibake(), "sentences": eval_sentences(),
                      "partial_mojibake": eval_partial_mojibake(), "digests": eval_digests()},
                     indent=1, ensure_ascii=False))
