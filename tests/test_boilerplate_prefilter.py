"""The boilerplate prefilter only skips paragraphs that no default rule can match."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit.steps.boilerplate import DEFAULT_RULES, StripBoilerplate

from helpers import ROOT

STEP = StripBoilerplate()

PIECES = [
    "(", ")", "Reporting by", "Editing by", "READ MORE:", "Read more -", "Watch all videos at",
    "https://x.com/a?fbclid=1", "Photo", "Handout", "AP Photo/Jane Doe", "Reuters", "Share",
    "Facebook", " | ", "Twitter", "Email", "Sign up", "newsletter", "Subscribe", "Copyright 2020",
    "©", "All rights reserved.", " ", ".", "Sept. 28, 2020.", "The minister said", "in this picture",
    "Staff/Name", ":", "X", "is seen", "\n",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=12), max_size=14))
def test_prefilter_never_changes_a_decision(parts):
    paragraph = "".join(parts).strip()
    assert STEP._rule_for(paragraph) == STEP._rule_for_unfiltered(paragraph)


def test_prefilter_agrees_on_golden_and_seed_paragraphs():
    paragraphs = []
    golden = json.loads((ROOT / "tests" / "golden" / "strip_boilerplate.json").read_text(encoding="utf-8"))
    for case in golden if isinstance(golden, list) else golden.get("cases", []):
        for value in case.values():
            if isinstance(value, str):
                paragraphs.extend(p.strip() for p in value.split("\n\n"))
    seed = (ROOT / "seeds" / "000_cfc82215a48762bb.txt").read_text(encoding="utf-8")
    paragraphs.extend(line.strip() for line in seed.split("\n"))
    assert len(paragraphs) > 300
    matched = 0
    for paragraph in paragraphs:
        decision = STEP._rule_for_unfiltered(paragraph)
        matched += decision is not None
        assert STEP._rule_for(paragraph) == decision, paragraph
    assert matched >= 5  # the sample really exercises the rules


def test_every_default_rule_is_covered_by_the_prefilter_anchors():
    samples = {
        "reporting_trailer": "(Reporting by A; Editing by B)",
        "read_more": "READ MORE: Another story",
        "watch_videos": "Watch all videos at",
        "photo_caption": "People watch TV in a shelter in this picture released Sept. 28, 2020. (Handout via Reuters)",
        "share_bar": "Share this article: Facebook | Twitter | Email",
        "newsletter": "Sign up for our daily newsletter",
        "copyright": "Copyright 2020 The Daily Planet. All rights reserved.",
    }
    assert set(samples) == set(DEFAULT_RULES)
    for name, paragraph in samples.items():
        assert STEP._rule_for(paragraph) == name
