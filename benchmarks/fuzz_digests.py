"""Fuzz the digest reader: no article is ever merged into another or dropped silently.

A seeded generator writes digests (default 2,000) whose articles use every header
date form the reader accepts (weekday prefixes, numeric day/month orders with and
without a ``date_order`` setting, ISO, date plus time, abbreviated months with or
without a dot) and malformed headers (impossible dates, misspelt months, two-digit
or missing years, wrong weekdays, bad times, ambiguous numeric dates with no
setting, a missing blank line or outlet). Bodies are real sentences from
``../shared/eval/sentences/`` (several languages, read at run time, never copied)
with the occasional paragraph that is just a date.

Each digest is read in skip mode twice, whole-file and streamed in small chunks,
and every generated article is classified:

``whole``    a record with its title, outlet, date, time, author and exact body
``refused``  an error cites a line of its header (a malformed one must end here), or of its
             body (part of the article refused: a good one ends here when its body holds
             lines laid out like a header)
``merged``   a line of it (title or body) sits in another article's record: the silent merge
``garbled``  a record with its title, but some field or the body differs, with no error
``lost``     neither: dropped without a word

Targets: 0 merged, 0 lost, every malformed header refused, streamed == whole.
Well-formed articles refused are reported as false refusals.

Run:  .venv/bin/python benchmarks/fuzz_digests.py [--digests 2000] [--seed 11]
  or: .venv/bin/pytest benchmarks/fuzz_digests.py -s       (200 digests; asserts the targets)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from corpuskit.errors import InputError
from corpuskit.readers.compression import LineStream, scan_plain
from corpuskit.readers.digest import read_digest
from corpuskit.readers.options import ReadOptions
from corpuskit.readers.source import SourceText, cite_path, load_source
from corpuskit.readers.streaming import digest_chunks

SENTENCES = Path(__file__).resolve().parents[2] / "shared" / "eval" / "sentences"
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "ru", "tr", "pt")
OUTLETS = ("Reuters", "Daily Courier", "Voice of America", "RT – Russia Today", "The New York Times",
           "Le Monde", "Süddeutsche Zeitung", "BBC News", "Agence France-Presse", "Forbes", "dpa",
           "Dow Jones & Co.", "El País")
AUTHORS = ("Ana Costa", "Dorian Jones", "Mei-Ling Chou and Samuel Okafor", "Patrick O'Rourke")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Article:
    title: str
    outlet: str
    header: list[str]  # the header lines as written (title first)
    body: list[str]
    date: str | None  # expected ISO date; None for a malformed header
    time: str | None = None
    author: str | None = None
    kind: str = "good"  # or the kind of malformation
    dates: set[str] = field(default_factory=set)  # body paragraphs that are only a date
    first: int = 0  # 0-based line of the title
    last: int = 0  # 0-based line of the last body line
    lines: list[str] = field(default_factory=list)


def _month(rng: random.Random, month: int, dotted: bool) -> str:
    if month == 9 and rng.random() < 0.5:
        name = "Sept"
    else:
        name = rng.choice((MONTHS[month - 1], ABBR[month - 1]))
    return name + "." if dotted and len(name) <= 4 and name != "May" else name


def good_date(rng: random.Random, day: dt.date, order: str | None) -> tuple[str, str | None]:
    """A header date line for ``day`` in a random accepted form, and the time it carries."""
    d, m, y = day.day, day.month, day.year
    wd, dotted = WEEKDAYS[day.weekday()], rng.random() < 0.4
    month = _month(rng, m, dotted)
    numeric = [f"{y}-{m:02d}-{d:02d}", f"{y}/{m:02d}/{d:02d}"]
    if order == "dmy" or (order is None and d > 12):
        numeric += [f"{d:02d}.{m:02d}.{y}", f"{d}/{m}/{y}", f"{d:02d}-{m:02d}-{y}"]
    if order == "mdy" or (order is None and d > 12):
        numeric += [f"{m:02d}/{d:02d}/{y}"]
    forms = [f"{month} {d} {y}", f"{month} {d}, {y}", f"{d} {month} {y}", f"{wd}, {month} {d}, {y}",
             f"{wd[:3]}, {month} {d} {y}", f"{wd[:3]}. {d} {month} {y}", f"{d}th of {MONTHS[m - 1]} {y}"
             if d in (4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 24, 25, 26, 27, 28, 29, 30)
             else f"{d} {month} {y}"] + numeric
    line = rng.choice(forms)
    when = None
    if rng.random() < 0.2:
        when = rng.choice((f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(('AM', 'PM'))}",
                           f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"))
        line += rng.choice((" ", ", ", " at ")) + when
    return line, when


def bad_date(rng: random.Random, day: dt.date, order: str | None) -> tuple[str, str]:
    """(kind, a date-shaped line that must be refused)."""
    d, m, y = day.day, day.month, day.year
    kinds = ["impossible", "misspelt", "short-year", "no-year", "weekday", "bad-time", "no-day"]
    if order is None:
        kinds.append("ambiguous")
    kind = rng.choice(kinds)
    if kind == "impossible":
        bad_day, month = rng.choice(((30, 2), (31, 4), (31, 9), (32, 1), (0, 5)))
        return kind, rng.choice((f"{MONTHS[month - 1]} {bad_day}, {y}", f"{y}-{month:02d}-{bad_day:02d}"))
    if kind == "misspelt":
        name = MONTHS[m - 1]
        if len(name) > 4:
            i = rng.randrange(1, len(name) - 1)
            name = name[:i] + name[i + 1:]
        else:
            name = name + name[-1]
        return kind, f"{name} {d}, {y}"
    if kind == "short-year":
        return kind, rng.choice((f"{d:02d}.{m:02d}.{y % 100:02d}", f"{MONTHS[m - 1]} {d}, {y % 100:02d}"))
    if kind == "no-year":
        return kind, rng.choice((f"{MONTHS[m - 1]} {d}", f"{WEEKDAYS[day.weekday()]}, {MONTHS[m - 1]} {d}"))
    if kind == "weekday":
        return kind, f"{WEEKDAYS[(day.weekday() + 1) % 7]}, {MONTHS[m - 1]} {d}, {y}"
    if kind == "bad-time":
        return kind, f"{MONTHS[m - 1]} {d}, {y} {rng.choice(('25:10', '13:75 PM', '0:30 PM'))}"
    if kind == "no-day":
        return kind, f"{MONTHS[m - 1]} {y}"
    a, b = rng.randint(1, 12), rng.randint(1, 12)
    while a == b:
        b = rng.randint(1, 12)
    return kind, f"{a:02d}/{b:02d}/{y}"


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.sentences = {lang: [s.strip() for s in (SENTENCES / f"{lang}.txt").read_text(encoding="utf-8")
                                 .splitlines() if s.strip()] for lang in LANGUAGES}

    def _title(self, used: set[str]) -> str:
        rng = self.rng
        while True:
            words = rng.choice(self.sentences[rng.choice(LANGUAGES)]).split()[:rng.randint(3, 12)]
            title = " ".join(words).rstrip(".,;:")
            if title and title not in used and not title[0].isspace():
                used.add(title)
                return title

    def digest(self) -> tuple[str, list[Article], str | None]:
        rng = self.rng
        order = rng.choice((None, None, "dmy", "mdy"))
        used: set[str] = set()
        articles = []
        for _ in range(rng.randint(2, 8)):
            day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 1500))
            title, outlet = self._title(used), rng.choice(OUTLETS)
            malformed = rng.random() < 0.25
            kind, expected, when = "good", day.isoformat(), None
            if malformed and rng.random() < 0.3:
                kind = rng.choice(("no-blank", "no-outlet"))
                date_line, when = good_date(rng, day, order)
                header = [title, outlet, date_line] if kind == "no-blank" else [title, "", date_line]
                expected = None
            elif malformed:
                kind, date_line = bad_date(rng, day, order)
                header, expected = [title, "", outlet, date_line], None
            else:
                date_line, when = good_date(rng, day, order)
                header = [title, "", outlet, date_line]
            author = rng.choice(AUTHORS) if rng.random() < 0.3 else None
            if author:
                header.append(f"By {author}")
            if when is None and rng.random() < 0.15 and kind == "good":
                when = f"{rng.randint(1, 12):02d}:{rng.randint(0, 59):02d} {rng.choice(('AM', 'PM'))}"
                header.append(when)
            body, dates = self._body(used)
            articles.append(Article(title, outlet, header, body, expected, when, author, kind, dates))
        lines = [""] * rng.choice((0, 0, 1, 2))
        for article in articles:
            article.first = len(lines)
            lines += article.header
            if rng.random() < 0.5:
                lines.append("")
            for k, paragraph in enumerate(article.body):
                if k and rng.random() < 0.5:
                    lines.append("")
                lines.append(paragraph)
            article.last = len(lines) - 1
            lines += [""] * rng.randint(1, 3)
        return "\n".join(lines), articles, order

    def _body(self, used: set[str]) -> tuple[list[str], set[str]]:
        rng = self.rng
        lang = rng.choice(LANGUAGES)
        body = []
        for _ in range(rng.randint(1, 6)):
            sentence = rng.choice(self.sentences[lang])
            while sentence in used:
                sentence = rng.choice(self.sentences[rng.choice(LANGUAGES)])
            used.add(sentence)
            body.append(sentence)
        dates = set()
        if rng.random() < 0.1:  # a paragraph that is only a date, inside a body
            dates.add(f"{MONTHS[rng.randrange(12)]} {rng.randint(1, 28)}, 2021")
            body.insert(rng.randint(1, len(body)), *dates)
        return body, dates


def _read_whole(path: Path, order: str | None):
    errors: list[InputError] = []
    records = list(read_digest(load_source(str(path)), on_error="skip", report=errors.append,
                               date_order=order))
    return records, errors


def _read_streamed(path: Path, order: str | None, chunk: int):
    shown = cite_path(str(path), None)
    sha256, _, bom = scan_plain(str(path), shown)
    source = SourceText(path=shown, abspath=str(path), sha256=sha256, encoding="utf-8", bom=bom, lines=[])
    stream = LineStream(str(path), shown, None)
    records, errors = [], []
    try:
        for unit in digest_chunks(source, stream, "skip", chunk_bytes=chunk, options=ReadOptions(date_order=order)):
            got, skipped = unit.parse()
            records += got
            errors += skipped
    finally:
        stream.close()
    return records, errors


def classify(articles: list[Article], records: list[dict], errors: list[InputError]) -> list[str]:
    """The outcome of each generated article (see the module docstring)."""
    cited = {e.line - 1 for e in errors if e.line is not None}
    by_title = {r["title"]: r for r in records}
    outcomes = []
    for article in articles:
        mine = {article.title} | {p for p in article.body if p not in article.dates}
        foreign = [r for r in records if r["title"] != article.title
                   and mine & set(r["text"].split("\n\n") + [r["title"], r["outlet"]])]
        record = by_title.get(article.title)
        header_lines = set(range(article.first, article.first + len(article.header)))
        if foreign:
            outcomes.append("merged")
        elif record is not None:
            exact = (record["text"] == "\n\n".join(article.body) and record["outlet"] == article.outlet
                     and record["date"] == article.date and record["time"] == article.time
                     and record["author"] == article.author)
            reported = bool(cited & set(range(article.first, article.last + 1)))
            outcomes.append("whole" if exact else "refused" if reported else "garbled")
        elif header_lines & cited:
            outcomes.append("refused")
        else:
            outcomes.append("lost")
    return outcomes


def run(count: int, seed: int) -> dict:
    generator = Generator(seed)
    rng = random.Random(seed + 1)
    totals: dict[str, int] = {}
    examples: list[str] = []
    disagreements = 0
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digest.txt"
        for n in range(count):
            text, articles, order = generator.digest()
            path.write_text(text, encoding="utf-8")
            whole = _read_whole(path, order)
            streamed = _read_streamed(path, order, rng.choice((64, 256, 1024, 4096)))
            if (streamed[0], [str(e) for e in streamed[1]]) != (whole[0], [str(e) for e in whole[1]]):
                disagreements += 1
            for article, outcome in zip(articles, classify(articles, *whole)):
                key = f"{'good' if article.kind == 'good' else 'malformed'}.{outcome}"
                totals[key] = totals.get(key, 0) + 1
                if outcome in ("merged", "lost", "garbled") or key == "malformed.whole":
                    if len(examples) < 10:
                        examples.append(f"digest {n}: {article.kind} article at line {article.first + 1} "
                                        f"{outcome}: {article.header!r}")
    articles_total = sum(totals.values())
    return {
        "digests": count, "seed": seed, "articles": articles_total,
        "good_whole": totals.get("good.whole", 0),
        "good_refused": totals.get("good.refused", 0),
        "malformed_refused": totals.get("malformed.refused", 0),
        "malformed_read": totals.get("malformed.whole", 0) + totals.get("malformed.garbled", 0),
        "silent_merges": totals.get("good.merged", 0) + totals.get("malformed.merged", 0),
        "silent_losses": totals.get("good.lost", 0) + totals.get("malformed.lost", 0),
        "garbled": totals.get("good.garbled", 0),
        "streamed_vs_whole_disagreements": disagreements,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "examples": examples,
    }


@pytest.mark.skipif(not SENTENCES.is_dir(), reason="../shared/eval is absent: digest fuzzing skipped")
def test_fuzzed_digests_never_merge_or_drop_articles():
    result = run(200, 11)
    print(json.dumps(result, indent=2))
    assert result["silent_merges"] == 0 and result["silent_losses"] == 0, result["examples"]
    assert result["malformed_read"] == 0 and result["garbled"] == 0, result["examples"]
    assert result["streamed_vs_whole_disagreements"] == 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args()
    if not SENTENCES.is_dir():
        sys.exit("../shared/eval is absent")
    result = run(args.digests, args.seed)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
