"""Offline lists of the values the Hugging Face Hub accepts in a dataset card's YAML.

``DatasetCard.validate()`` needs the network, so the gate keeps its own copy of
the enumerations (from the Hub's dataset-card specification). Update them here
when the Hub adds a value; an unknown value fails the card check.
"""

from __future__ import annotations

import re

#: ``size_categories``: the bucket of the row count (lower bound inclusive).
SIZE_CATEGORIES: tuple[tuple[int, str], ...] = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)
SIZE_CATEGORY_VALUES = frozenset([label for _, label in SIZE_CATEGORIES] + ["n>1T"])


def size_category(rows: int) -> str:
    """The ``size_categories`` value for ``rows`` rows.

    >>> size_category(5), size_category(1000), size_category(2 * 10**12)
    ('n<1K', '1K<n<10K', 'n>1T')
    """
    for limit, label in SIZE_CATEGORIES:
        if rows < limit:
            return label
    return "n>1T"


LICENSES = frozenset("""
apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0
bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear
c-uda cc cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0
cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0
cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0 wtfpl
ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1 eupl-1.2 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl
lgpl-2.1 lgpl-3.0 isc h-research intel-research lppl-1.3c ms-pl apple-ascl apple-amlr mpl-2.0
odc-by odbl openrail++ osl-3.0 postgresql ofl-1.1 ncsa unlicense zlib pddl lgpl-lr
deepfloyd-if-license fair-noncommercial-research-license llama2 llama3 llama3.1 llama3.2
llama3.3 llama4 gemma unknown other
""".split())

TASK_CATEGORIES = frozenset("""
text-classification token-classification table-question-answering question-answering
zero-shot-classification translation summarization feature-extraction text-generation
text2text-generation fill-mask sentence-similarity text-to-speech text-to-audio
automatic-speech-recognition audio-to-audio audio-classification audio-text-to-text
voice-activity-detection depth-estimation image-classification object-detection
image-segmentation text-to-image image-to-text image-to-image image-to-video
unconditional-image-generation video-classification reinforcement-learning robotics
tabular-classification tabular-regression tabular-to-text table-to-text multiple-choice
text-ranking text-retrieval time-series-forecasting text-to-video image-text-to-text
visual-question-answering document-question-answering zero-shot-image-classification
graph-ml mask-generation zero-shot-object-detection text-to-3d image-to-3d
image-feature-extraction video-text-to-text keypoint-detection visual-document-retrieval
any-to-any video-to-video other
""".split())

MULTILINGUALITY = frozenset(["monolingual", "multilingual", "translation", "other"])
CREATORS = frozenset(["crowdsourced", "expert-generated", "found", "machine-generated", "other",
                      "no-annotation"])

#: ISO 639-1 codes (the Hub also accepts ISO 639-3 and BCP-47 tags built on them).
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz
ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln
lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi
pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti
tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())
_BCP47 = re.compile(r"^(?P<primary>[a-z]{2,3})(?:-[A-Za-z0-9]{2,8})*$")
_ISO_639_3 = re.compile(r"^[a-z]{3}$")


def language_problem(code: object) -> str | None:
    """Why ``code`` is not a valid card ``language`` value, or None when it is.

    >>> language_problem("en"), language_problem("en-US"), language_problem("english")
    (None, None, "'english' is not an ISO 639-1/639-3 code or BCP-47 tag (e.g. 'en', 'en-US')")
    """
    if not isinstance(code, str):
        return f"{code!r} is not a string"
    match = _BCP47.match(code)
    if match and (match.group("primary") in ISO_639_1 or _ISO_639_3.match(match.group("primary"))):
        return None
    return f"{code!r} is not an ISO 639-1/639-3 code or BCP-47 tag (e.g. 'en', 'en-US')"


#: card key -> allowed values, for the list- or string-valued enumerations.
ENUMERATIONS: dict[str, frozenset[str]] = {
    "license": LICENSES,
    "size_categories": SIZE_CATEGORY_VALUES,
    "task_categories": TASK_CATEGORIES,
    "multilinguality": MULTILINGUALITY,
    "language_creators": CREATORS,
    "annotations_creators": CREATORS,
}


def close_match(value: object, allowed) -> str | None:
    """The allowed value a near-miss ``value`` most likely means (case and typos), or None.

    >>> close_match("MIT", LICENSES), close_match("text-generaton", TASK_CATEGORIES)
    ('mit', 'text-generation')
    """
    import difflib

    if not isinstance(value, str):
        return None
    lowered = {a.lower(): a for a in allowed}
    if value.lower() in lowered:
        return lowered[value.lower()]
    found = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[found[0]] if found else None


def language_suggestion(value: object) -> str | None:
    """The code a wrong ``language`` value most likely means (``english`` -> ``en``), or None.

    Language names are looked up in the list of the Hub's language codes that
    ``datasets`` ships (read without importing ``datasets``); case and ``_``
    separators are fixed (``EN`` -> ``en``, ``en_US`` -> ``en-US``).

    >>> language_suggestion("English"), language_suggestion("en_US"), language_suggestion("xx-yy-zz")
    ('en', 'en-US', None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    parts = value.strip().replace("_", "-").split("-")
    tag = "-".join([parts[0].lower()] + [p.upper() if len(p) == 2 else p for p in parts[1:]])
    if tag != value and language_problem(tag) is None:
        return tag
    return _language_names().get(value.strip().lower())


def _language_names() -> dict[str, str]:
    """English language name (lower case) -> its shortest Hub code, from ``datasets``' list."""
    import importlib.util
    import json
    import os

    spec = importlib.util.find_spec("datasets")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = os.path.join(list(spec.submodule_search_locations)[0], "utils", "resources", "languages.json")
    try:
        with open(path, encoding="utf-8") as handle:
            codes = json.load(handle)
    except (OSError, ValueError):
        return {}
    names: dict[str, str] = {}
    for code, label in sorted(codes.items(), key=lambda item: (len(item[0]), item[0])):
        for name in label.split(";"):
            names.setdefault(name.split("(")[0].strip().lower(), code)
    return names
