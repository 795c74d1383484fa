"""Deterministic generator of realistic news corpora of any size, for benchmarks.

``generate_corpus(n, seed)`` yields ``n`` article dicts (``id``, ``title``,
``outlet``, ``date`` (ISO), ``author`` (or None), ``text``: paragraphs joined by
a blank line) that look like a messy news collection:

* about 500-word English news articles: datelines, quotes with curly quotation
  marks, named people, organisations, places and figures;
* exact copies (~7%), abridged copies (truncated, ~5%), noisy OCR-like copies
  (~4%), each a little later in the stream than its original, syndicated under
  another outlet (``profile="copies"``: 15% exact copies and 10% near copies cut
  to 85–98% of their words with 1–5 word edits);
* a little mojibake (~1.5% of articles: UTF-8 read as Windows-1252), spelling
  variants of names (``Nargono`` for ``Nagorno``, see :data:`VARIANTS`) and a
  few boilerplate lines (reporting trailers, ``READ MORE:``, photo captions,
  ``Watch all videos at``).

When ``../shared/eval/neardup.jsonl.gz`` (relative to the repository) exists,
about a third of the paragraphs are drawn from its original articles (in memory
only: nothing is copied into the repository). Without it, every paragraph comes
from the built-in sentence grammar, which language detection reads as English.
Pass ``pool=False`` to force the grammar-only corpus (fully self-contained).

The output depends only on ``n``, ``seed`` and the presence of the pool file,
and the first ``k`` articles of a corpus are the same for every ``n >= k``.

>>> articles = list(generate_corpus(3, seed=1, pool=False))
>>> [sorted(a) for a in articles][0]
['author', 'date', 'id', 'outlet', 'text', 'title']
>>> articles == list(generate_corpus(3, seed=1, pool=False))
True

Every copy is recorded: ``truth=[]`` receives ``(copy id, original id, kind)``, and
the writers put the same rows in ``<OUT>.truth.tsv`` (:func:`truth_path`).

Command line: ``python benchmarks/generate.py N OUT [--seed S] [--format jsonl|digest] [--profile news|copies]``.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path

POOL_FILE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "neardup.jsonl.gz"

#: Spelling variants the generator writes (canonical -> variants), for a [variants] lexicon.
VARIANTS = {
    "Nagorno": ["Nargono", "Nagorny"],
    "Caucasus": ["Caucuses"],
    "Zelensky": ["Zelenskiy", "Zelenskyy"],
    "Tsipras": ["Tsypras"],
}

_FIRST = ("James Maria Ahmed Olga Chen Fatima Daniel Sofia Kwame Lucia Pieter Anna Rahul Elena "
          "Mohammed Sarah Tomas Ingrid Ravi Amara Jonas Leila Marco Yuki Hannah Diego Nadia "
          "Samuel Irina Omar Claire Viktor Priya Lars Beatriz Kofi Emma Andrei Zoë José").split()
_LAST = ("Novak Okafor Schmidt Haddad Lindqvist Moreau Tanaka Kowalski Mensah Rossi Petrov "
         "Fernández Nguyen O'Brien Jansen Castillo Ibrahim Mueller Sato Duarte Karimi Walsh "
         "Costa Varga Andersen Bianchi Olsen Mbeki Horvat Delgado Yilmaz Fischer Ramos Kaur").split()
_ROLES = ("spokesman for", "chief economist at", "director of", "a senior official at",
          "head of research at", "chairman of", "a spokeswoman for", "an analyst at",
          "deputy minister at", "a professor at")
_ORGS = ("the Finance Ministry", "the central bank", "the World Health Organization",
         "the European Commission", "the United Nations", "the Interior Ministry",
         "the International Monetary Fund", "the port authority", "the national grid operator",
         "the Red Cross", "the state railway", "the energy regulator", "the trade union",
         "the Defence Ministry", "the city council", "the election commission",
         "Northwind Capital", "Harbour Bank", "the statistics office", "the airline")
_PLACES = ("Washington", "London", "Brussels", "Nairobi", "Berlin", "Tokyo", "Madrid", "Warsaw",
           "Lagos", "Athens", "Ottawa", "Lisbon", "Istanbul", "Oslo", "Manila", "Lima",
           "Stepanakert", "Baku", "Yerevan", "Kyiv", "Geneva", "Vienna", "Jakarta", "Santiago")
_REGIONS = ("Nagorno-Karabakh", "the Caucasus", "the Balkans", "the Sahel", "the Baltic region",
            "the north of the country", "the coastal provinces", "the capital", "the border area")
_OUTLETS = ("Voice of America", "Daily Courier", "The Morning Ledger", "Global Wire",
            "Harbor Times", "The Continental", "Metro Post", "Evening Standard-Tribune",
            "The Northern Echo Review", "Capital Dispatch", "World News Service", "The Observer Gazette")
_LEADERS = ("President Zelensky", "Prime Minister Tsipras", "the prime minister",
            "the foreign minister", "the mayor", "the finance minister", "the opposition leader")
_NOUNS = ("talks", "budget", "ceasefire", "election", "strike", "inflation", "harvest", "shipment",
          "investigation", "reform", "agreement", "protest", "outbreak", "merger", "vote",
          "pipeline", "deficit", "recovery", "sanctions", "negotiations", "exports", "tariffs")
_ADJ = ("new", "fragile", "long-awaited", "controversial", "sharp", "modest", "unexpected",
        "temporary", "wider", "fresh", "ambitious", "cautious", "record", "rare", "early")
_VERBS_PAST = ("announced", "approved", "rejected", "delayed", "criticised", "welcomed", "backed",
               "postponed", "confirmed", "proposed", "suspended", "expanded", "reviewed")
_SAY = ("said", "told reporters", "said in a statement", "told a news conference",
        "wrote in a note to clients", "said on Monday", "said late on Tuesday")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DIGEST_MONTHS = ("Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct",
                  "Nov", "Dec")
_UNITS = ("percent", "million dollars", "billion euros", "people", "tonnes", "homes", "jobs",
          "barrels a day", "seats", "flights")
_QUOTES = (
    "We are doing everything we can to keep people safe",
    "This is not the end of the process, it is the beginning",
    "Nobody expected the numbers to move this quickly",
    "We will not accept any agreement that ignores our concerns",
    "The situation on the ground remains very difficult",
    "It’s too early to say whether the measures are working",
    "We have seen firm support from our partners over the past year",
    "The decision was taken after long and careful consultation",
    "Families are still waiting for answers, and they deserve them",
    "There is no quick fix, but we are on the right track",
)
_CONNECT = ("Meanwhile,", "However,", "Earlier this month,", "On Wednesday,", "In a separate move,",
            "At the same time,", "Last year,", "Since then,", "By contrast,", "Critics said that")

_SENTENCES = (
    "{Org} {verb} the {adj} {noun} on {weekday}, {person} {say}.",
    "{person}, {role} {org}, {say} that the {noun} could take {num} months to complete.",
    "“{quote},” {say2} {person}, {role} {org}.",
    "{connect} {org} {verb} plans to cut {num} {unit} from the {noun} by {month}.",
    "The {noun} comes after weeks of {adj} {noun2} in {region}, where officials reported {num} {unit}.",
    "According to {org}, the figure rose by {small} percent in {month}, the {adj} increase since {year}.",
    "{leader} {verb} the proposal, saying it would hurt {num} {unit} across {region}.",
    "{connect} residents of {place} said they had not been told about the {noun}.",
    "The {adj} {noun} will be discussed at a meeting in {place} next {weekday}.",
    "Officials in {place} {verb} a {adj} {noun} covering {region} late on {weekday}.",
    "“{quote}.” {person} {say2}.",
    "{connect} analysts at {org} warned that the {noun} would weigh on {noun2} for the rest of the year.",
    "It was not immediately clear how the {noun} would affect {noun2}, {person} {say}.",
    "{person} did not respond to a request for comment.",
    "The talks in {place} – the {ordinal} round this year – ended without an agreement on the {noun}.",
    "Fighting over {region} has killed {num} people since {month}, {org} {say}.",
)
_ORDINALS = ("second", "third", "fourth", "fifth", "sixth")
_TITLES = (
    "{Org} {verb} {adj} {noun} as {noun2} deepens",
    "{place} {verb} {noun} after {num} {unit} lost",
    "{leader_t} says {noun} will go ahead in {month}",
    "{adj_t} {noun} in {region} raises fears over {noun2}",
    "{place} braces for {noun} as talks stall",
    "Officials in {place} back {adj} {noun} plan",
)

_BOILERPLATE = (
    "(Reporting by {person}; Editing by {person2})",
    "READ MORE: {title}",
    "Watch all videos at https://news.example.com/video/{num}?utm_source=feed&fbclid=IwAR{num}",
    "People wait outside the ministry in {place} on {weekday}, {month} {day}, {year}. "
    "(Photo: {person}/Reuters)",
)

_OCR = {"m": "rn", "l": "1", "o": "0", "e": "c", "i": "l", "h": "b", "n": "ri", "S": "5", "t": "f"}

# UTF-8 bytes read as Windows-1252; the five bytes cp1252 leaves undefined map to
# the same code point, as ftfy's "sloppy-windows-1252" expects.
_CP1252 = [bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)]


def mojibake(text: str) -> str:
    """Garble ``text`` as if its UTF-8 bytes were read as Windows-1252.

    >>> mojibake("It’s")
    'Itâ€™s'
    """
    return "".join(_CP1252[b] for b in text.encode("utf-8"))


def _load_pool() -> list[str]:
    """Body paragraphs of the original articles in the eval file (headlines skipped)."""
    paragraphs: list[str] = []
    with gzip.open(POOL_FILE, "rt", encoding="utf-8") as handle:
        for line in handle:
            obj = json.loads(line)
            if obj.get("kind") != "original":
                continue
            parts = [p.strip() for p in obj["text"].split("\n\n")]
            paragraphs.extend(p for p in parts[1:] if len(p.split()) >= 12)
    return paragraphs


_POOL_CACHE: list[str] | None = None


def _pool(enabled: bool) -> list[str]:
    global _POOL_CACHE
    if not enabled or not POOL_FILE.exists():
        return []
    if _POOL_CACHE is None:
        _POOL_CACHE = _load_pool()
    return _POOL_CACHE


class _Writer:
    """Fills the sentence grammar from one seeded random generator."""

    def __init__(self, rng: random.Random, pool: list[str]):
        self.rng = rng
        self.pool = pool
        self.variant_rate = 0.0

    def person(self) -> str:
        c = self.rng.choice
        return f"{c(_FIRST)} {c(_LAST)}"

    def _fill(self, template: str) -> str:
        r = self.rng
        c = r.choice
        org = c(_ORGS)
        region = c(_REGIONS)
        leader = c(_LEADERS)
        if self.variant_rate and r.random() < self.variant_rate:
            region = region.replace("Nagorno", c(VARIANTS["Nagorno"])).replace(
                "Caucasus", c(VARIANTS["Caucasus"]))
            leader = leader.replace("Zelensky", c(VARIANTS["Zelensky"])).replace(
                "Tsipras", c(VARIANTS["Tsipras"]))
        adj = c(_ADJ)
        return template.format(
            Org=org[0].upper() + org[1:], org=org, verb=c(_VERBS_PAST), adj=adj,
            adj_t=adj[0].upper() + adj[1:], noun=c(_NOUNS), noun2=c(_NOUNS),
            weekday=c(_WEEKDAYS), person=self.person(), person2=self.person(), say=c(_SAY),
            say2=c(_SAY[:3]), role=c(_ROLES), num=f"{r.randint(2, 9800):,}", unit=c(_UNITS),
            month=c(_MONTHS), region=region, small=f"{r.randint(1, 9)}.{r.randint(0, 9)}",
            year=r.randint(1995, 2019), leader=leader,
            leader_t=leader[0].upper() + leader[1:], place=c(_PLACES), quote=c(_QUOTES),
            connect=c(_CONNECT), ordinal=c(_ORDINALS), day=r.randint(1, 28), title="{title}",
        )

    def sentence(self) -> str:
        text = self._fill(self.rng.choice(_SENTENCES))
        return text[0].upper() + text[1:] if text[0].islower() else text

    def paragraph(self) -> str:
        if self.pool and self.rng.random() < 0.33:
            return self.rng.choice(self.pool)
        count = self.rng.randint(2, 4)
        return " ".join(self.sentence() for _ in range(count))

    def title(self) -> str:
        return self._fill(self.rng.choice(_TITLES))

    def boilerplate(self) -> str:
        line = self._fill(self.rng.choice(_BOILERPLATE))
        return line.replace("{title}", self.title())


def _article(w: _Writer, number: int, seed: int) -> dict:
    r = w.rng
    w.variant_rate = 0.3 if r.random() < 0.1 else 0.0
    paragraphs: list[str] = []
    words = 0
    target = r.randint(380, 620)
    place = r.choice(_PLACES).upper()
    while words < target:
        paragraph = w.paragraph()
        paragraphs.append(paragraph)
        words += paragraph.count(" ") + 1
    paragraphs[0] = f"{place} – {paragraphs[0]}"
    if r.random() < 0.12:
        for _ in range(r.randint(1, 2)):
            paragraphs.insert(r.randint(1, len(paragraphs)), w.boilerplate())
    day = _dt.date(2018, 1, 1) + _dt.timedelta(days=r.randrange(0, 1460))
    article = {
        "id": f"s{seed}-{number:08d}",
        "title": w.title(),
        "outlet": r.choice(_OUTLETS),
        "date": day.isoformat(),
        "author": w.person() if r.random() < 0.7 else None,
        "text": "\n\n".join(paragraphs),
    }
    if r.random() < 0.015:
        article["text"] = mojibake(article["text"])
        if r.random() < 0.5:
            article["title"] = mojibake(article["title"] + " – update")
    return article


def _noisy(text: str, r: random.Random) -> str:
    out = []
    for ch in text:
        if ch in _OCR and r.random() < 0.02:
            out.append(_OCR[ch])
        elif ch == " " and r.random() < 0.01:
            out.append("  ")
        else:
            out.append(ch)
    return "".join(out)


def _near(text: str, r: random.Random) -> str:
    """``text`` cut to 85–98 % of its words, then 1–5 single-word edits (replace, drop, insert).

    Paragraph breaks are kept; a word is replaced or inserted from the article's own words.
    """
    paragraphs = [p.split(" ") for p in text.split("\n\n")]
    total = sum(map(len, paragraphs))
    keep = max(1, int(total * r.uniform(0.85, 0.98)))
    cut: list[list[str]] = []
    for words in paragraphs:
        if keep <= 0:
            break
        cut.append(words[:keep])
        keep -= len(words)
    flat = [w for p in cut for w in p]
    for _ in range(r.randint(1, 5)):
        p = cut[r.randrange(len(cut))]
        at = r.randrange(len(p))
        edit = r.random()
        if edit < 0.4:
            p[at] = r.choice(flat)
        elif edit < 0.7 and len(p) > 1:
            del p[at]
        else:
            p.insert(at, r.choice(flat))
    return "\n\n".join(" ".join(p) for p in cut)


def _copy(original: dict, kind: str, number: int, seed: int, r: random.Random) -> dict:
    copy = dict(original, id=f"s{seed}-{number:08d}")
    if kind == "exact":
        return copy
    copy["outlet"] = r.choice(_OUTLETS)
    day = _dt.date.fromisoformat(original["date"]) + _dt.timedelta(days=r.randint(0, 2))
    copy["date"] = day.isoformat()
    paragraphs = original["text"].split("\n\n")
    if kind == "abridged":
        keep = max(1, int(len(paragraphs) * r.uniform(0.4, 0.8)))
        copy["text"] = "\n\n".join(paragraphs[:keep])
    elif kind == "near":
        copy["text"] = _near(original["text"], r)
    else:  # noisy
        copy["text"] = _noisy(original["text"], r)
        copy["title"] = _noisy(original["title"], r)
    return copy


#: Copy mixes: (kind, cumulative share of the stream). ``news`` is the default benchmark
#: corpus; ``copies`` is the scale-recall corpus of issue 12 (15 % exact copies, 10 % near
#: copies cut to 85–98 % of their words with 1–5 word edits).
PROFILES = {
    "news": (("exact", 0.07), ("abridged", 0.12), ("noisy", 0.16)),
    "copies": (("exact", 0.15), ("near", 0.25)),
}


def generate_corpus(n: int, seed: int = 0, pool: bool = True, profile: str = "news",
                    truth: list | None = None) -> Iterator[dict]:
    """Yield ``n`` articles; deterministic in ``n``, ``seed``, ``profile`` (and the pool file's presence).

    ``truth``, when given, receives ``(copy id, original id, kind)`` for every copy
    (copies are only ever made of originals, so each original and its copies form
    one true cluster).
    """
    r = random.Random(seed)
    w = _Writer(r, _pool(pool))
    mix = PROFILES[profile]
    recent: list[dict] = []  # originals a later copy may duplicate (bounded)
    for number in range(n):
        roll = r.random()
        if recent and roll < mix[-1][1]:
            original = recent[r.randrange(len(recent))]
            kind = next(k for k, share in mix if roll < share)
            copy = _copy(original, kind, number, seed, r)
            if truth is not None:
                truth.append((copy["id"], original["id"], kind))
            yield copy
            continue
        article = _article(w, number, seed)
        if len(recent) < 2000:
            recent.append(article)
        else:
            recent[r.randrange(2000)] = article
        yield article


def truth_path(corpus: str | os.PathLike) -> Path:
    """Where the ground truth of a written corpus goes: ``<corpus>.truth.tsv``."""
    return Path(f"{corpus}.truth.tsv")


def _write_truth(path: str | os.PathLike, truth: list) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("copy\toriginal\tkind\n")
        handle.writelines(f"{c}\t{o}\t{k}\n" for c, o, k in truth)


def read_truth(path: str | os.PathLike) -> list[tuple[str, str, str]]:
    """``(copy id, original id, kind)`` rows of a ground-truth file."""
    with open(path, encoding="utf-8") as handle:
        next(handle)
        return [tuple(line.rstrip("\n").split("\t")) for line in handle]


def write_jsonl(path: str | os.PathLike, n: int, seed: int = 0, pool: bool = True,
                profile: str = "news", truth: str | os.PathLike | None = None) -> str:
    """Write ``n`` articles as JSON Lines (UTF-8), and the ground truth to ``truth``; return the path."""
    copies: list = []
    with open(path, "w", encoding="utf-8") as handle:
        for article in generate_corpus(n, seed, pool=pool, profile=profile, truth=copies):
            handle.write(json.dumps(article, ensure_ascii=False))
            handle.write("\n")
    if truth is not None:
        _write_truth(truth, copies)
    return str(path)


def digest_date(iso: str) -> str:
    """An ISO date as a digest writes it.

    >>> digest_date("2020-09-28")
    'Sept 28 2020'
    """
    day = _dt.date.fromisoformat(iso)
    return f"{_DIGEST_MONTHS[day.month - 1]} {day.day} {day.year}"


def format_digest_block(article: dict, clock: str | None = None) -> str:
    lines = [article["title"], "", article["outlet"], digest_date(article["date"])]
    if article.get("author"):
        lines.append(f"By {article['author']}")
    if clock:
        lines.append(clock)
    lines.append("")
    lines.append(article["text"])
    return "\n".join(lines)


def write_digest(path: str | os.PathLike, n: int, seed: int = 0, pool: bool = True,
                 profile: str = "news", truth: str | os.PathLike | None = None) -> str:
    """Write ``n`` articles in the press-digest format, and the ground truth to ``truth``; return the path."""
    r = random.Random(seed + 7919)
    copies: list = []
    with open(path, "w", encoding="utf-8") as handle:
        for index, article in enumerate(generate_corpus(n, seed, pool=pool, profile=profile, truth=copies)):
            clock = None
            if r.random() < 0.4:
                clock = f"{r.randint(1, 12):02d}:{r.randint(0, 59):02d} {r.choice(('AM', 'PM'))}"
            if index:
                handle.write("\n\n\n")
            handle.write(format_digest_block(article, clock))
        handle.write("\n")
    if truth is not None:
        _write_truth(truth, copies)
    return str(path)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("jsonl", "digest"), default=None)
    parser.add_argument("--no-pool", action="store_true", help="grammar-only prose")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="news", help="copy mix")
    args = parser.parse_args(argv)
    fmt = args.format or ("jsonl" if args.out.endswith((".jsonl", ".ndjson")) else "digest")
    writer = write_jsonl if fmt == "jsonl" else write_digest
    writer(args.out, args.n, args.seed, pool=not args.no_pool, profile=args.profile,
           truth=truth_path(args.out))
    print(f"wrote {args.n} articles to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
