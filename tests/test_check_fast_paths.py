"""The gate's fast paths give the full checks' verdicts: they never accept what the full check rejects.

``provenance.spans`` first looks for the published title in the raw cited text (spacing and
case aside) and normalises the whole span only when that fails; ``records.mojibake`` settles
a record whose fields ``needs_repair`` clears without running the step. Both are compared
here with the full computation on varied titles, spans and texts (several scripts, mojibake
made from them, variant spellings, near misses).
"""

from __future__ import annotations

import itertools

from corpuskit._check import provenance, records
from corpuskit._check.report import CheckResult
from corpuskit.steps.encoding import FixEncoding, _is_bad
from corpuskit.steps.variants import NormalizeVariants

#: Titles and bodies written for these tests, in several scripts.
ARTICLES = [
    ("Nagorno-Karabakh talks resume in Moscow", "Foreign ministers met on Friday in Moscow for talks."),
    ("Ceasefire holds in the South Caucasus", "The truce agreed last week held overnight, officials said."),
    ("Переговоры по Карабаху возобновились", "Министры встретились в Москве в пятницу."),
    ("Le café “Lumière” rouvre à Erevan", "Les propriétaires ont rouvert l’établissement mardi."),
    ("Türkiye ve Azerbaycan ortak tatbikat düzenledi", "Tatbikat Bakü yakınlarında yapıldı."),
    ("Ղարաբաղյան բանակցությունները վերսկսվել են", "Նախարարները հանդիպել են Մոսկվայում։"),
    ("東京で和平会議が開かれた", "各国の代表が参加した。"),
    ("Update", "A short update on the talks."),
]
LEXICON = {"Nagorno": ["Nargono", "Nagorny"], "Caucasus": ["Caucuses"]}


def _mojibake(text: str) -> str:
    """UTF-8 read as cp1252 (what a wrongly decoded source holds)."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


def _title_cases():
    """``(published title, cited span text)`` pairs: the raw title in its span (verbatim, with
    spacing or case changes, as mojibake the pipeline repaired, with a variant it rewrote) and
    titles that are not in the span (another article's, one word changed, one word more, the
    span holding only a prefix)."""
    for (title, body), (other, _) in zip(ARTICLES, ARTICLES[1:] + ARTICLES[:1]):
        raws = [title, title.upper(), title.replace(" ", "  \n "), _mojibake(title),
                title.replace("Nagorno", "Nagorny").replace("Caucasus", "Caucuses")]
        for raw in raws:
            span = f"{raw}\n{body}"
            yield title, span
            yield other, span
            yield title.replace(title.split()[-1], "elsewhere"), span
            yield title + " today", span
            yield title, f"{raw.rsplit(' ', 1)[0]}\n{body}"


def test_title_fast_path_never_accepts_what_the_full_test_rejects():
    normalize = object.__new__(provenance._Normalizer)
    normalize.variants = NormalizeVariants(LEXICON)
    kinds = set()
    for title, span in _title_cases():
        full = normalize(title) in normalize(span)
        fast = provenance._plain(title) in provenance._plain(span)
        assert not (fast and not full), (title, span)
        assert provenance.holds_title(title, span, normalize) == full, (title, span)
        kinds.add((fast, full))
    # every path is exercised: found raw, found only after normalising, not found
    assert kinds == {(True, True), (False, True), (False, False)}


def _mojibake_scan() -> records._Mojibake:
    scan = object.__new__(records._Mojibake)
    scan.step, scan.result = FixEncoding(), CheckResult(records._Mojibake.name)
    return scan


def _full_mojibake(scan, rows) -> list[tuple]:
    """``records.mojibake``'s findings with the step and ``is_bad`` run on every record."""
    found = []
    for index, record in enumerate(rows):
        after = scan.step.apply(record)
        if after is not record and after.get("edits"):
            found.append(("fail", index, record["id"], scan.describe(after["edits"])))
    for index, record in enumerate(rows):
        bad = [f for f in scan.step.params.fields if isinstance(record.get(f), str) and _is_bad(record[f])]
        if bad:
            found.append(("warn", index, record["id"], f"ftfy finds suspicious characters in {', '.join(bad)}"))
    return found


def test_mojibake_fast_path_gives_the_full_findings():
    texts = [t for title, body in ARTICLES for t in (title, body, _mojibake(title), _mojibake(_mojibake(body)))]
    texts += ["plain ASCII\x85with a C1 control", "tab\x1b[31m escape", "curly “quotes” – dash", "Ã© alone",
              "café Ã© mixed", "", "x\ud800y"]
    rows = [{"id": f"r{i}", "title": title, "text": text, "outlet": None, "author": "Ann Lee"}
            for i, (title, text) in enumerate(itertools.product(texts[::3], texts))]
    scan = _mojibake_scan()
    checked, found = scan.scan(rows, 0)
    assert checked == len(rows)
    expected = _full_mojibake(scan, rows)
    assert found == expected
    assert {kind for kind, *_ in found} == {"fail", "warn"}  # both kinds of finding occur
