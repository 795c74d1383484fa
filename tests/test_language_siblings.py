"""detect_language: text that shows an uncovered sibling's words or letters is ``und``.

The sentences are written for these tests (standard Malay vs Indonesian, Bosnian
vs Croatian, Azerbaijani vs Turkish spellings). Each case that must become
``und`` is one that langdetect and the coverage guard label with the sibling's
covered neighbour when the sibling check is switched off (asserted too), so the
tests fail without it.
"""

from __future__ import annotations

from unittest import mock

import pytest

from corpuskit.lang import detect, py3langid_backend, siblings

#: (text, label without the sibling check): the sibling's markers outweigh the label's own
SIBLING_TEXT = [
    ("Jumlah penduduk kota itu bertambah dua peratus setiap tahun.", "id"),  # Malay peratus
    ("Vlada je u četvrtak usvojila novi zakon, a hiljadu ljudi je protestovalo ispred zgrade.", "hr"),
    ("Ko je odgovoran za to, pitaju se građani nakon nesreće na autoputu.", "hr"),  # Bosnian ko
    ("Šta se dogodilo u toj kući, još uvijek nije poznato.", "hr"),  # šta
    ("Bu gün şəhərdə böyük bir toplantı oldu.", "tr"),  # Azerbaijani ə
    ("Türkiye ve Azərbaycan arasında yeni anlaşma imzalandı.", "tr"),
    # one Croatian marker (tko), one Bosnian/Serbian (šta): balanced evidence is not a label
    ("Tko je odgovoran za to i šta se dogodilo, pitaju se građani.", "hr"),
    # no marker, and the guard's model gives Bosnian and Serbian together more than Croatian
    ("Grad je poznat po starom mostu i uskim ulicama punim malih radnji.", "hr"),
    ("Projekt će vjerovatno biti gotov do kraja godine.", "hr"),  # Bosnian/Serbian vjerovatno
    # Maori without ō or wh: its particles ki, hoki, tērā (none of them a Latvian word)
    ("I kī ia, ka hoki mai ia ki te kāinga ā tērā tau.", "lv"),
    # Tsonga without x: leswaku and the rh of tirha (Swahili has neither)
    ("Muphuresidente u vule leswaku mfumo wu ta tirha na matiko ya Afrika.", "sw"),
]

#: the covered language's own spelling, or no marker at all: the label stands
OWN_TEXT = [
    ("Jumlah penduduk kota itu bertambah dua persen setiap tahun.", "id"),
    ("Jumlah penduduk kota itu bertambah setiap tahun karena banyak pendatang.", "id"),
    ("Pemerintah provinsi mengatakan proyek itu akan selesai pada bulan Agustus karena kontraktor "
     "sudah menerima pembayaran.", "id"),
    ("Tko je odgovoran za to, pitaju se građani nakon nesreće na autocesti.", "hr"),
    ("Vlada je u četvrtak usvojila novi zakon, a tisuću ljudi je prosvjedovalo ispred zgrade.", "hr"),
    ("Vlada je u četvrtak usvojila novi zakon o porezu na dobit, a oporba je najavila da će ga "
     "osporiti.", "hr"),  # oporba: Croatian's word wins over the siblings' probability
    ("Djeca su se igrala u parku dok su roditelji razgovarali na klupi.", "hr"),  # the guard is sure
    ("Tvrtka je prošle godine zaradila dva milijuna eura.", "hr"),  # Croatian tvrtka, milijun
    ("Valdība otrdien apstiprināja jauno likumu par nodokļiem.", "lv"),
    ("Rais alisema kwamba serikali itaongeza bajeti ya elimu mwaka ujao.", "sw"),
    ("Претседателот рече дека ќе дојде, али не кажа кога.", "mk"),
    ("Ova godina je bila teška za poljoprivrednike, rekli su u ministarstvu.", None),
]


def _without_sibling_check(text: str):
    with mock.patch.object(siblings, "rejects", lambda label, text, guard_text=None: None):
        return detect(text)


@pytest.mark.parametrize("text, neighbour", SIBLING_TEXT)
def test_sibling_words_or_letters_make_the_neighbours_label_und(text, neighbour):
    assert _without_sibling_check(text)[0] == neighbour  # the case the check exists for
    language, score = detect(text)
    assert language == "und"
    assert score == _without_sibling_check(text)[1]  # the rejected label's probability, as for the guard


@pytest.mark.parametrize("text, label", OWN_TEXT)
def test_the_labels_own_spelling_or_no_marker_keeps_it(text, label):
    if label is None:  # whatever the models say, the sibling check changes nothing here
        assert detect(text) == _without_sibling_check(text)
    else:
        assert detect(text)[0] == label


def test_evidence_counts_words_and_letters():
    malay = siblings.SIBLINGS["id"]
    assert siblings.evidence(malay, "Kerana harga naik lima peratus, iaitu paras tertinggi.") == (3, 0)
    assert siblings.evidence(malay, "Karena harga naik lima persen, yaitu tingkat tertinggi.") == (0, 3)
    serbian = siblings.SIBLINGS["mk"]
    assert siblings.evidence(serbian, "Ђорђе и Ћирило су дошли") == (2, 0)  # letters Macedonian lacks
    assert siblings.evidence(serbian, "Ѓорѓи и Ќирил дојдоа во градот") == (0, 3)  # ѓ, ќ and во
    maori = siblings.SIBLINGS["lv"]
    assert siblings.evidence(maori, "Ko te whare o Ōtautahi") == (2, 0)  # wh, ō
    assert siblings.evidence(maori, "Kua hoki mai rātou ki te kāinga") == (4, 0)  # kua, hoki, rātou, ki
    assert siblings.evidence(maori, "Rīgā ir ļoti daudz ārvalstu tūristu") == (0, 1)  # ļ: Latvian's, not Maori's
    assert siblings.evidence(serbian, "Он је био ту још јуче јер је сада лакше") == (6, 0)  # је ×2, био, још, јер, сада
    tsonga = siblings.SIBLINGS["sw"]
    assert siblings.evidence(tsonga, "Vanhu va tirha nkarhi wo leha") == (3, 0)  # vanhu, tirha (rh), nkarhi
    bosnian = siblings.SIBLINGS["hr"]
    assert siblings.evidence(bosnian, "Zaradila je dva milijuna eura.") == (0, 1)  # milijun: Croatian's own
    assert siblings.evidence(bosnian, "Zaradila je dva miliona eura.") == (1, 0)  # milion: Bosnian/Serbian


def test_balanced_evidence_rejects_and_tsonga_needs_two_words():
    assert siblings.rejects("id", "harga naik karena kerana") == "ms"  # one each: balanced
    assert siblings.rejects("id", "harga naik karena yaitu kerana") is None
    # Swahili news quotes foreign names with x: one such word is not Tsonga
    assert siblings.rejects("sw", "Rais Xi Jinping alisema leo") is None
    assert siblings.rejects("sw", "Xi alisema leo kwamba Mexico") == "ts"
    assert siblings.rejects("en", "kerana ə ђ") is None  # no sibling for the label


def test_croatian_siblings_probability_counts_only_when_the_words_do_not_favour_croatian():
    """Croatian has two uncovered siblings: their summed probability in the guard's
    model against Croatian's decides when the words do not favour Croatian."""
    split = [("hr", 0.45), ("bs", 0.30), ("sr", 0.25)]  # the guard's top is hr, the siblings have more
    clear = [("hr", 0.70), ("bs", 0.20), ("sr", 0.10)]
    neutral, croatian = "Grad je poznat po mostu.", "Tko je poznat po mostu?"
    with mock.patch.object(py3langid_backend, "rank", lambda text: split):
        assert siblings.rejects("hr", neutral, neutral) == "bs"
        assert siblings.rejects("hr", croatian, croatian) is None  # tko: the words favour Croatian
        assert siblings.rejects("hr", neutral) is None  # no guard input, no probabilities to weigh
        assert siblings.rejects("id", neutral, neutral) is None  # one sibling: the guard's top decides
    with mock.patch.object(py3langid_backend, "rank", lambda text: clear):
        assert siblings.rejects("hr", neutral, neutral) is None


def test_word_lists_are_lower_case_and_disjoint():
    for sibling in siblings.SIBLINGS.values():
        assert not sibling.theirs & sibling.own, sibling.language
        for word in sibling.theirs | sibling.own:
            assert word == word.lower() and siblings._WORD_RE.fullmatch(word), word


def test_py3langid_backend_is_not_second_guessed():
    """The py3langid backend covers Malay and Bosnian: its labels stay its own."""
    text = SIBLING_TEXT[0][0]
    with mock.patch.object(siblings, "rejects", side_effect=AssertionError("not for this backend")):
        language, _ = detect(text, backend="py3langid")
    label, probability = py3langid_backend.guess(text)
    assert language == (label if probability >= 0.8 else "und")
