"""Evaluate `corpuskit build` on the dev digests in ../shared/eval against their truth.

For each ``digest-N.txt`` this builds a dataset with ``--config digest-lexicon.toml``
(exactly as a user would, through the CLI), then compares the published records
with ``digest-N.truth.json``: unique-article precision/recall (duplicates left in
and hard negatives wrongly merged both count), exact body match (whitespace
collapsed inside paragraphs), and accuracy of title, outlet, date, author, time.

Run:  .venv/bin/pytest benchmarks/eval_digests.py -s
  or: .venv/bin/python benchmarks/eval_digests.py       (prints the table)

The eval data is research-use only: it is read in place and never copied here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
FIELDS = ("title", "outlet", "date", "author", "time")


def _norm_body(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def build_digest(digest: Path, out: Path) -> list[dict]:
    import pyarrow.parquet as pq

    cmd = [sys.executable, "-m", "corpuskit", "build", str(digest), "--config",
           str(EVAL / "digest-lexicon.toml"), "--out", str(out), "--quiet", "--workers", "1"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    rows = []
    for shard in sorted((out / "data").glob("*.parquet")):
        rows.extend(pq.read_table(shard).to_pylist())
    return rows


def score_digest(rows: list[dict], truth: dict) -> dict:
    articles = truth["articles"]
    by_title: dict[str, list[dict]] = {}
    for row in rows:
        by_title.setdefault(row["title"], []).append(row)
    matched = 0
    body_ok = 0
    field_ok = {f: 0 for f in FIELDS}
    problems = []
    used = set()
    for article in articles:
        candidates = [r for r in by_title.get(article["title"], []) if r["date"] == article["date"]]
        candidates = candidates or by_title.get(article["title"], [])
        if not candidates:
            problems.append(f"missing: {article['title']!r} ({article['date']})")
            continue
        row = candidates[0]
        used.add(row["id"])
        matched += 1
        if _norm_body(row["text"]) == _norm_body(article["body"]):
            body_ok += 1
        else:
            got, want = _norm_body(row["text"]), _norm_body(article["body"])
            diff = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            problems.append(f"body differs: {article['title']!r} at paragraph {diff}: "
                            f"got {got[diff:diff+1]!r} want {want[diff:diff+1]!r}")
        for f in FIELDS:
            if (row.get(f) or None) == (article.get(f) or None):
                field_ok[f] += 1
            else:
                problems.append(f"{f} differs: {article['title']!r}: got {row.get(f)!r} want {article.get(f)!r}")
    extra = [r for r in rows if r["id"] not in used]
    for row in extra:
        problems.append(f"extra record (duplicate left in?): {row['title']!r} lines "
                        f"{row['provenance']['start_line']}-{row['provenance']['end_line']}")
    n = len(articles)
    return {
        "articles": n,
        "output_records": len(rows),
        "precision": round(matched / len(rows), 4) if rows else 0.0,
        "recall": round(matched / n, 4),
        "body_exact": round(body_ok / n, 4),
        **{f"{f}_accuracy": round(field_ok[f] / n, 4) for f in FIELDS},
        "problems": problems,
    }


def evaluate() -> dict[str, dict]:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for digest in sorted(EVAL.glob("digest-*.txt")):
            truth = json.loads(digest.with_suffix(".truth.json").read_text(encoding="utf-8"))
            rows = build_digest(digest, Path(tmp) / digest.stem)
            results[digest.name] = score_digest(rows, truth)
    return results


def print_table(results: dict[str, dict]) -> None:
    cols = ["articles", "output_records", "precision", "recall", "body_exact"] + [f"{f}_accuracy" for f in FIELDS]
    print("digest        " + " ".join(f"{c[:10]:>10}" for c in cols))
    for name, r in results.items():
        print(f"{name:13} " + " ".join(f"{r[c]!s:>10}" for c in cols))
        for p in r["problems"][:8]:
            print("    " + p)


@pytest.mark.skipif(not EVAL.is_dir(), reason="../shared/eval is absent: digest evaluation skipped")
def test_digests_match_truth():
    results = evaluate()
    print_table(results)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "digests.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for name, r in results.items():
        assert r["recall"] == 1.0 and r["precision"] == 1.0, (name, r["problems"][:5])
        assert r["body_exact"] == 1.0, (name, r["problems"][:5])
        for f in FIELDS:
            assert r[f"{f}_accuracy"] == 1.0, (name, f, r["problems"][:5])


if __name__ == "__main__":
    if not EVAL.is_dir():
        sys.exit("../shared/eval is absent")
    print_table(evaluate())
