"""Dedup stage: copies merge, template twins stay apart, kept record, order, CLI.

Fixtures are written here (invented stories), never taken from ../shared/eval.
"""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from corpuskit.cli import main
from corpuskit._dedup import Deduplicator, DedupParams
from corpuskit.errors import InputError

STORY = [
    "FRONTIER MILLS AGREES TO BUY RIVERBEND PAPER FOR 340 MLN DLRS",
    "DULUTH, May 12 - Frontier Mills Inc said it agreed to buy Riverbend Paper Co for 340 mln dlrs "
    "in cash, a deal that would make it the third largest maker of coated paper in the region.",
    "The company said the purchase, approved by both boards, was expected to close in the third "
    "quarter subject to regulatory review and a vote of Riverbend shareholders.",
    "Frontier chairman Walter Okonkwo said the combined company would have annual sales of about "
    "1.2 billion dlrs and 4,800 employees at eleven mills in four states.",
    "Riverbend shares rose 6-1/4 to 41-1/2 in heavy trading after the announcement, while Frontier "
    "slipped 3/8 to 27-3/4, traders said.",
    "Analysts said the price valued Riverbend at about 14 times expected earnings, a premium of "
    "roughly 22 pct over its average trading level in the past month.",
    "Okonkwo said the company planned to keep the Riverbend labor force and expected savings of 25 "
    "mln dlrs a year from combined purchasing and shipping by the end of 1989.",
]


def article(paragraphs):
    return "\n\n".join(paragraphs)


def ocr(text, rate=0.02, seed=3):
    r = random.Random(seed)
    swaps = {"m": "rn", "l": "1", "o": "0", "e": "c", "d": "cl"}
    out = []
    for ch in text:
        if ch.isalpha() and r.random() < rate:
            out.append(swaps.get(ch, ch + ch))
        else:
            out.append(ch)
    return "".join(out)


def mojibake(text):
    curly = text.replace(" - ", " \u2013 ").replace("'", "\u2019")
    return curly.encode("utf-8").decode("cp1252", errors="replace")


def dividend(company, ticker, city, day, amount):
    return article([
        f"{company} <{ticker}> SETS QUARTERLY DIVIDEND",
        f"{city}, March {day} - Qtly div {amount} cts vs {amount} cts prior",
        "Pay April 15",
        "Record April 1",
    ])


def cluster(texts, preset="default", titles=None):
    engine = Deduplicator(DedupParams(preset=preset))
    for i, text in enumerate(texts):
        engine.add(i, engine.signature({"title": None, "text": text, "date": None}))
    clusters = engine.resolve()
    return [clusters.representative(i) for i in range(len(texts))], clusters


def test_exact_and_whitespace_copies_merge():
    original = article(STORY)
    spaced = original.replace(" ", "  ").replace("\n\n", "\r\n\r\n") + "\n"
    labels, clusters = cluster([original, original, spaced])
    assert labels == [0, 0, 0]
    assert {m.match for m in clusters.members[0]} == {"exact"}


def test_abridged_retitled_noisy_and_mojibake_copies_merge():
    original = article(STORY)
    truncated = article(STORY[:3])
    retitled = article(["UPDATE 1-Frontier Mills to buy Riverbend Paper", *STORY[1:]])
    noisy = ocr(original)
    broken = mojibake(original)
    variants = original.replace("labor", "labour").replace(" pct", "%").replace("mln", "million")
    boilerplate = article([*STORY, "(Reporting by Ana Ruiz; Editing by Tom Hale)",
                           "READ MORE: Grain prices ease in quiet trade"])
    labels, clusters = cluster([original, truncated, retitled, noisy, broken, variants, boilerplate])
    kept = labels[0]
    assert labels == [kept] * 7
    matches = {m.index: m.match for m in clusters.members[kept]}
    assert matches[1] == "containment"


def test_dividend_twins_of_different_companies_stay_apart():
    texts = [
        dividend("HARBOR SAVINGS BANK", "HSB", "NEW YORK", 20, 10),
        dividend("PINECREST FOODS INC", "PFI", "NEW YORK", 20, 10),
        dividend("ATLAS ROPE AND WIRE CORP", "ARW", "CHICAGO", 19, 10),
    ]
    labels, _ = cluster(texts)
    assert len(set(labels)) == 3


def test_same_headline_recurring_story_on_other_dates_stays_apart():
    def report(day, rate):
        return article([
            "CENTRAL BANK LEAVES INTERVENTION RATE UNCHANGED",
            f"PARIS, April {day} - The central bank left its intervention rate unchanged at {rate} "
            "pct at its weekly money market tender, dealers said.",
            "The rate has been unchanged since the last adjustment, they said.",
        ])

    labels, _ = cluster([report(2, "7-3/4"), report(9, "7-3/4"), report(16, "7-3/4")])
    assert len(set(labels)) == 3


def test_ocr_copy_with_a_digit_lost_from_its_dateline_merges():
    # OCR drops a digit of the dateline's day: every figure and most of the body still agree
    damaged = article(STORY).replace("DULUTH, May 12 -", "DULUTH, May 2 -")
    labels, clusters = cluster([article(STORY), ocr(damaged, rate=0.01, seed=8)])
    assert labels[0] == labels[1]
    assert clusters.members[labels[0]][0].evidence.date_slip


def test_distinct_stories_are_not_merged():
    other = article([
        "GRAIN SHIPPERS WARN OF RAIL DELAYS AHEAD OF HARVEST",
        "OMAHA, May 12 - Grain shippers said rail car shortages could delay the movement of "
        "the winter wheat harvest by as much as three weeks this summer.",
        "Shippers told a hearing that railroads had retired too many hopper cars in the past "
        "two years and were slow to add capacity as export demand recovered.",
    ])
    labels, _ = cluster([article(STORY), other])
    assert labels == [0, 1]


def test_kept_record_is_the_most_complete_copy():
    full = article(STORY)
    labels, clusters = cluster([article(STORY[:3]), article(STORY[:5]), full])
    assert labels == [2, 2, 2]
    assert sorted(m.index for m in clusters.members[2]) == [0, 1]


def test_clusters_and_kept_records_do_not_depend_on_input_order():
    texts = [article(STORY), article(STORY[:4]), ocr(article(STORY)), mojibake(article(STORY[:5])),
             dividend("HARBOR SAVINGS BANK", "HSB", "NEW YORK", 20, 10),
             dividend("PINECREST FOODS INC", "PFI", "NEW YORK", 20, 10),
             dividend("PINECREST FOODS INC", "PFI", "NEW YORK", 20, 10) + "\n"]
    labels, _ = cluster(texts)
    reference = {frozenset(texts[j] for j in range(len(texts)) if labels[j] == labels[i]): texts[labels[i]]
                 for i in range(len(texts))}
    for seed in range(4):
        order = list(range(len(texts)))
        random.Random(seed).shuffle(order)
        shuffled = [texts[i] for i in order]
        got, _ = cluster(shuffled)
        result = {frozenset(shuffled[j] for j in range(len(shuffled)) if got[j] == got[i]):
                  shuffled[got[i]] for i in range(len(shuffled))}
        assert {k: " ".join(v.split()) for k, v in result.items()} == \
               {k: " ".join(v.split()) for k, v in reference.items()}


def test_exact_preset_merges_only_identical_text():
    original = article(STORY)
    labels, _ = cluster([original, original.upper(), article(STORY[:3])], preset="exact")
    assert labels == [0, 0, 2]


def test_signature_is_picklable_and_compact():
    import pickle

    engine = Deduplicator()
    signature = engine.signature({"title": None, "text": article(STORY * 4), "date": None})
    assert len(pickle.dumps(signature)) < 1500
    assert pickle.loads(pickle.dumps(signature)) == signature


def test_step_validates_params():
    from corpuskit.errors import ConfigError
    from corpuskit.steps.base import StepContext
    from corpuskit.steps.dedup import Dedup

    step = Dedup.from_config({"preset": "strict", "mode": "annotate"}, StepContext())
    assert step.engine().thresholds.containment == 0.85
    with pytest.raises(ConfigError, match="unknown preset 'fuzzy'"):
        Dedup.from_config({"preset": "fuzzy"}, StepContext())
    with pytest.raises(ConfigError, match="mode must be 'drop' or 'annotate'"):
        Dedup.from_config({"mode": "mark"}, StepContext())


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_cli_writes_one_line_per_record_in_input_order(tmp_path):
    rows = [{"id": "a", "text": article(STORY[:3])}, {"id": "b", "text": "Other\n\nNothing alike."},
            {"id": "c", "text": article(STORY)}]
    _write(tmp_path / "in.jsonl", rows)
    result = CliRunner().invoke(main, ["dedup", str(tmp_path / "in.jsonl"), "--out",
                                       str(tmp_path / "pred.jsonl"), "--explain", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (tmp_path / "pred.jsonl").read_text().splitlines()]
    assert lines == [{"id": "a", "cluster": "c"}, {"id": "b", "cluster": "b"}, {"id": "c", "cluster": "c"}]
    explained = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text().splitlines()]
    assert [(e["kept"], e["copy"], e["match"]) for e in explained] == [("c", "a", "containment")]


def test_cli_reads_like_a_build_same_output_for_any_unit_size_and_workers(tmp_path, monkeypatch):
    """Units of one line on 1 and 2 workers give the output of one unit; ids are read as a build
    reads them (strings); an id repeated in a later unit (5 and "5" are the same id) is reported
    with its line; a record without text is its own cluster."""
    from corpuskit._dedup import run
    from corpuskit.readers import streaming

    rows = [{"id": 5, "text": article(STORY[:3])}, {"id": "b", "text": "Other\n\nNothing alike."},
            {"id": "c-ç", "text": article(STORY)}, {"id": "e", "text": " "}, {"id": "d", "text": article(STORY[:2])}]
    _write(tmp_path / "in.jsonl", rows)
    outputs = []
    for block, workers in ((1 << 20, 1), (1, 1), (1, 2)):
        monkeypatch.setattr(streaming, "JSONL_BLOCK_BYTES", block)
        out = tmp_path / f"pred-{block}-{workers}.jsonl"
        run.dedup_jsonl(str(tmp_path / "in.jsonl"), str(out), workers=workers)
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1] == outputs[2]
    assert [json.loads(line) for line in outputs[0].splitlines()] == [
        {"id": "5", "cluster": "c-ç"}, {"id": "b", "cluster": "b"}, {"id": "c-ç", "cluster": "c-ç"},
        {"id": "e", "cluster": "e"}, {"id": "d", "cluster": "c-ç"}]
    _write(tmp_path / "dup.jsonl", rows + [{"id": "5", "text": "again"}])
    with pytest.raises(InputError, match="duplicate id '5'") as caught:
        run.dedup_jsonl(str(tmp_path / "dup.jsonl"), str(tmp_path / "never.jsonl"), workers=1)
    assert caught.value.line == 6 and not (tmp_path / "never.jsonl").exists()


@pytest.mark.parametrize("content, message", [
    ('{"id": "a", "text": "x"}\n{"id": "b", "text": \n', "in.jsonl:2: invalid JSON"),
    ('{"id": "a"}\n', "in.jsonl:1: record has no 'text' string"),
    ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "in.jsonl:2: duplicate id 'a'"),
])
def test_cli_reports_bad_input_as_one_line(tmp_path, content, message):
    (tmp_path / "in.jsonl").write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["dedup", str(tmp_path / "in.jsonl"), "--out",
                                       str(tmp_path / "pred.jsonl")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def earnings(company, ticker, shr, net, revs, note="", day=8):
    return article([
        f"{company} <{ticker}> 4TH QTR NET",
        f"HOUSTON, April {day} - Shr profit {shr} cts vs profit 14 cts",
        f"Net profit {net} vs profit 609,000",
        f"Revs {revs} mln vs 65 mln",
        *( [note] if note else [] ),
    ])


def test_template_twins_differing_by_one_figure_stay_apart():
    # a revised earnings report of the same company: one figure changed
    first = earnings("GULF VALVE AND PUMP", "GVP", 72, "3,309,000", 72)
    revised = earnings("GULF VALVE AND PUMP", "GVP", 72, "3,309,000", 75)
    labels, _ = cluster([first, revised])
    assert labels == [0, 1]


def test_same_day_resend_under_rewritten_headline_stays_apart():
    one = article(["HARBOR TOOL <HTL> RAISES QUARTERLY PAYOUT",
                   "TULSA, March 3 - Qtly div 14 cts vs 12 cts prior", "Pay March 31",
                   "Record March 16", "Note: the company raised its payout for the second time this year."])
    other = article(["HARBOR TOOL CO SETS DIVIDEND",
                     "TULSA, Okla, March 3 - Qtly div 14 cts vs 14 cts prior", "Payable March 31",
                     "Record March 16"])
    labels, _ = cluster([one, other])
    assert labels == [0, 1]


def test_ocr_copy_with_a_damaged_figure_still_merges():
    original = article(STORY)
    damaged = ocr(original, rate=0.02, seed=5).replace("4,800", "4,300")
    labels, clusters = cluster([original, damaged])
    assert labels[0] == labels[1]
    assert clusters.members[labels[0]][0].evidence.missing == 1


def test_wire_abbreviations_and_glued_figures_fold():
    from corpuskit._dedup.normalize import tokens

    assert tokens("Shr 12 cts vs 10 cts, revs rose167 mln dlrs") == \
        tokens("Share 12 cents vs 10 cents, revenues rose 167 million dollars")


def test_copies_of_one_original_join_through_a_member():
    # two copies that each add different trailers: each verifies against the original
    original = article(STORY[:4])
    first = article([*STORY[:4], "(Reporting by Ana Ruiz; Editing by Tom Hale)",
                     "Watch all videos at www.example-news.test/video 2024 12 31",
                     "Copyright 1987 The Example Wire. All rights reserved 1987 1988."])
    second = article([*STORY[:3], "Editor's note: This story has been updated to add the share price."])
    labels, _ = cluster([original, first, second])
    assert len(set(labels)) == 1


def test_same_body_under_reworded_headline_merges_but_other_company_or_day_stays_apart():
    # the body identifies the story (figures, dateline) and the headlines agree on the
    # company's name: one article re-sent under a reworded headline
    body = ["NEW YORK, March 19 - Qtly div 30 cts vs 30 cts prior", "Pay April 30", "Record April 3",
            "Note: the company has paid the same dividend for the past eight quarters."]
    original = article(["ALDER KNITTING MILLS INC <AKM> IN PAYOUT"] + body)
    resend = article(["ALDER KNITTING MILLS INC <AKM> SETS PAYOUT"] + body)
    copy = article(["UPDATE 1-Alder Knitting Mills Inc <AKM> In"] + body)
    # the same template body under another company's name, and the company's notice of another day
    other_company = article(["BRAMBLE FOODS CORP <BRF> SETS PAYOUT"] + body)
    other_day = article(["ALDER KNITTING MILLS INC <AKM> SETS PAYOUT",
                         body[0].replace("30 cts prior", "28 cts prior").replace("March 19", "June 18"),
                         "Pay July 30", "Record July 3", body[3]])
    labels, _ = cluster([original, resend, copy, other_company, other_day])
    assert labels[0] == labels[1] == labels[2]
    assert len({labels[0], labels[3], labels[4]}) == 3


def test_long_body_under_a_rewritten_headline_merges():
    # a story long enough to name its own people, places and figures: the headline is the
    # editor's, the article the same
    retitled = article(["PAPER MAKERS CONSOLIDATE IN MIDWEST, ANALYSTS SAY"] + STORY[1:])
    labels, clusters = cluster([article(STORY), retitled])
    assert labels[0] == labels[1]
    assert clusters.members[labels[0]][0].evidence.same_body


def test_reworded_headline_rule():
    from corpuskit._dedup.signature import compute
    from corpuskit._dedup.verify import reworded

    def title(headline):
        return compute({"title": headline, "text": "Body"}).title

    assert reworded(title("ALDER MILLS <AKM> IN PAYOUT"), title("ALDER MILLS <AKM> SETS PAYOUT"))
    assert not reworded(title("RPT-Alder Mills <AKM>"), title("ALDER MILLS <AKM> SETS PAYOUT"))
    assert not reworded(title("Outlet: ALDER MILLS <AKM> SETS - report"), title("ALDER MILLS <AKM> SETS PAYOUT"))
    assert not reworded(title("ALDER MlLLS <AKM> SETS PAY0UT"), title("ALDER MILLS <AKM> SETS PAYOUT"))


def test_copies_merge_up_to_max_days_apart_and_no_further():
    # the dateline's day is the story's date: 3 days apart is still one story, 4 is not
    def dated(day):
        return article(STORY).replace("DULUTH, May 12 -", f"DULUTH, May {day} -")

    labels, clusters = cluster([dated(12), dated(15)])
    assert labels[0] == labels[1] and clusters.members[labels[0]][0].evidence.days == 3
    labels, _ = cluster([dated(12), dated(16)])
    assert labels[0] != labels[1]
