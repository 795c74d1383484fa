"""Decoding without ``--encoding``: a corpus of legacy-encoded pages, feeds and texts.

Real sentences from ``../shared/eval/sentences/`` (never copied here) are
encoded with Python's codecs, in every encoding for the languages it can
encode, as paragraphs of several sentences, wrapped as plain text, HTML with
realistic markup (navigation, scripts, styles; the ``<meta charset>`` correct,
missing or wrong) or XML/RSS (the XML declaration's encoding correct, missing or
wrong). The corpus is written to a temporary folder and each file is read with
:func:`corpuskit.readers.source.load_source` (what the reader uses for a file
that is not UTF-8) and no declared encoding. Every file is one of:

* **correct**: the decoded text equals the text that was encoded (or the file
  as browsers decode it: the WHATWG decoder for its label, e.g. GBK for GB2312);
* **refused**: a one-line ``InputError`` naming the file (checked);
* **silently wrong**: decoded to any other text (target: 0).

Run:  .venv/bin/pytest benchmarks/eval_decoding.py -s
  or: .venv/bin/python benchmarks/eval_decoding.py      (prints the figures)
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
SENTENCES = EVAL / "sentences"
RESULTS = Path(__file__).resolve().parent / "results" / "decoding.json"
FILES_PER_ENCODING = 12
SEED = int(os.environ.get("CORPUSKIT_EVAL_SEED", "10"))  # another seed: a held-out corpus

WESTERN = ["fr", "de", "es", "pt", "it", "nl", "da", "sv", "nb", "ca", "fi", "af"]
CENTRAL = ["pl", "cs", "sk", "hu", "sl", "hr", "sq"]
BALTIC = ["lt", "lv", "et"]
#: Each encoding with the languages whose text it is used for.
ENCODINGS = {
    "cp1252": WESTERN + ["en"],
    "iso8859-1": WESTERN,
    "iso8859-15": WESTERN,
    "mac-roman": ["fr", "de", "es", "it"],
    "cp1250": CENTRAL,
    "iso8859-2": CENTRAL,
    "iso8859-16": ["ro"],
    "cp1251": ["ru", "uk", "bg", "mk", "sr", "be"],
    "koi8-r": ["ru", "bg"],
    "koi8-u": ["uk"],
    "iso8859-5": ["ru", "bg", "mk"],
    "cp866": ["ru"],
    "cp1253": ["el"],
    "iso8859-7": ["el"],
    "cp1254": ["tr"],
    "iso8859-9": ["tr"],
    "cp1255": ["he"],
    "iso8859-8": ["he"],
    "cp1256": ["ar", "fa", "ur"],
    "cp1257": BALTIC,
    "iso8859-13": BALTIC,
    "iso8859-4": BALTIC,
    "cp874": ["th"],
    "tis-620": ["th"],
    "shift_jis": ["ja"],
    "euc_jp": ["ja"],
    "iso2022_jp": ["ja"],
    "euc_kr": ["ko"],
    "iso2022_kr": ["ko"],
    "gbk": ["zh"],
    "gb2312": ["zh"],
    "gb18030": ["zh"],
    "hz": ["zh"],
    "big5": ["zh"],
}
WRAPS = ("text", "html", "xml")
#: The decoder the WHATWG Encoding Standard (what every browser does) uses for a
#: file labelled with this encoding: a decoding equal to it is also correct. They
#: differ from Python's codec only in a few punctuation marks (GB2312's 0xA1AA is
#: U+2015 in Python's gb2312, U+2014 in GBK).
WEB_DECODER = {"gb2312": "gb18030", "gbk": "gb18030", "iso8859-1": "cp1252", "iso8859-9": "cp1254",
               "tis-620": "cp874", "euc_kr": "cp949", "big5": "big5hkscs"}


def _require_eval() -> None:
    if not SENTENCES.is_dir():
        pytest.skip(f"evaluation data not found at {SENTENCES} (it lives outside the repo, in ../shared/eval)")


def _encodable(language: str, encoding: str) -> list[str]:
    lines = (SENTENCES / f"{language}.txt").read_text(encoding="utf-8").split("\n")
    usable = []
    for line in lines:
        line = line.strip()
        if not line or "<" in line or "&" in line:  # keep the wrapped markup well-formed
            continue
        if any("\x80" <= c <= "\x9f" for c in line):  # C1 controls: mojibake in the source, not text
            continue
        try:
            line.encode(encoding)
        except UnicodeEncodeError:
            continue
        usable.append(line)
    return usable


def _html(paragraphs: list[str], charset: str | None, rnd: random.Random) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    nav = "".join(f'<li><a href="/topics/{i}" class="nav-link">Topic {i}</a></li>'
                  for i in range(rnd.randint(3, 25)))
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return ("<!DOCTYPE html>\n<html>\n<head>\n" + meta
            + '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            + "<title>News</title>\n<style>.nav-link { color: #333; } p { margin: 0 0 1em; }</style>\n"
            + '<script>window.dataLayer = window.dataLayer || []; dataLayer.push({"page": "article"});'
            + "</script>\n</head>\n<body>\n<header><nav><ul>" + nav + "</ul></nav></header>\n"
            + '<main><article class="story">\n' + body + "</article></main>\n"
            + '<footer><a href="/privacy">Privacy</a> | <a href="/contact">Contact</a></footer>\n'
            + "</body>\n</html>\n")


def _rss(paragraphs: list[str], declared: str | None) -> str:
    head = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else '<?xml version="1.0"?>\n'
    items = "".join(f"<item><title>Item {i}</title><link>https://example.org/{i}</link>"
                    f"<description>{p}</description></item>\n" for i, p in enumerate(paragraphs))
    return (head + '<rss version="2.0"><channel><title>Feed</title><link>https://example.org/</link>\n'
            + items + "</channel></rss>\n")


def build_corpus(folder: str, files_per_encoding: int = FILES_PER_ENCODING) -> list[dict]:
    """Write the corpus into ``folder``; return one entry (path, encoding, language, wrap, text) per file."""
    rnd = random.Random(SEED)
    corpus = []
    for encoding, languages in ENCODINGS.items():
        pools = {lang: _encodable(lang, encoding) for lang in languages}
        pools = {lang: pool for lang, pool in pools.items() if sum(not s.isascii() for s in pool) >= 20}
        if not pools:
            continue
        for index in range(files_per_encoding):
            language = sorted(pools)[index % len(pools)]
            pool = pools[language]
            paragraphs = []
            for _ in range(rnd.randint(1, 4)):
                paragraphs.append(" ".join(rnd.sample(pool, rnd.randint(2, 5))))
            if all(p.isascii() for p in paragraphs):
                paragraphs.append(rnd.choice([s for s in pool if not s.isascii()]))
            wrap = WRAPS[index % len(WRAPS)]
            label = rnd.choice([encoding, None, "utf-8", "iso-8859-1"])  # correct, missing or wrong
            if wrap == "text":
                text = "\n\n".join(paragraphs) + "\n"
            elif wrap == "html":
                text = _html(paragraphs, label, rnd)
            else:
                text = _rss(paragraphs, label)
            path = os.path.join(folder, f"{encoding}-{index:02d}-{language}.{ {'text': 'txt'}.get(wrap, wrap)}")
            with open(path, "wb") as handle:
                handle.write(text.encode(encoding))
            corpus.append({"path": path, "encoding": encoding, "language": language, "wrap": wrap,
                           "text": text})
    return corpus


def _web_decoding(entry: dict) -> str | None:
    web = WEB_DECODER.get(entry["encoding"])
    return entry["text"].encode(entry["encoding"]).decode(web) if web else None


def evaluate(files_per_encoding: int = FILES_PER_ENCODING) -> dict:
    from corpuskit.errors import InputError
    from corpuskit.readers.source import load_source

    outcome: dict[str, Counter] = defaultdict(Counter)
    chosen_by: Counter = Counter()
    wrong: list[dict] = []
    bad_messages: list[str] = []
    with tempfile.TemporaryDirectory(prefix="corpuskit-eval-decoding-") as folder:
        corpus = build_corpus(folder, files_per_encoding)
        cpu = time.process_time()
        wall = time.perf_counter()
        for entry in corpus:
            name = os.path.basename(entry["path"])
            try:
                source = load_source(entry["path"], folder)
            except InputError as exc:
                outcome[entry["encoding"]]["refused"] += 1
                message = str(exc)
                if "\n" in message or not message.startswith(name + ":") or "--encoding" not in message:
                    bad_messages.append(message)
                continue
            chosen_by[source.chosen_by] += 1
            decoded = "\n".join(source.lines)
            if decoded == entry["text"]:
                outcome[entry["encoding"]]["correct"] += 1
            elif decoded == _web_decoding(entry):
                outcome[entry["encoding"]]["correct"] += 1
                outcome[entry["encoding"]]["correct as browsers decode it"] += 1
            else:
                outcome[entry["encoding"]]["silently wrong"] += 1
                wrong.append({"file": name, "decoded as": source.encoding, "how": source.chosen_by})
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
    totals = sum(outcome.values(), Counter())
    files = sum(totals.values())
    return {
        "files": files,
        "encodings": len(outcome),
        "correct": totals["correct"],
        "of_which_as_browsers_decode_it": totals["correct as browsers decode it"],
        "refused": totals["refused"],
        "silently_wrong": totals["silently wrong"],
        "correct_rate": round(totals["correct"] / files, 4),
        "chosen_by": dict(sorted(chosen_by.items())),
        "refusals_not_one_line_naming_the_file_and_--encoding": len(bad_messages),
        "cpu_seconds": round(cpu, 2),
        "wall_seconds": round(wall, 2),
        "ms_per_file_cpu": round(1000 * cpu / files, 1),
        "by_encoding": {enc: dict(sorted(counts.items())) for enc, counts in outcome.items()},
        "silently_wrong_files": wrong,
    }


def test_decoding_targets():
    _require_eval()
    result = evaluate()
    print(json.dumps(result, indent=1))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    assert result["files"] >= 300 and result["encodings"] >= 25
    assert result["silently_wrong"] == 0
    assert result["refusals_not_one_line_naming_the_file_and_--encoding"] == 0
    assert result["correct_rate"] >= 0.90


if __name__ == "__main__":
    if not SENTENCES.is_dir():
        sys.exit(f"evaluation data not found at {SENTENCES}")
    print(json.dumps(evaluate(), indent=1))
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB", file=sys.stderr)
