"""detect_language: exact n-grams, accuracy vs langdetect, determinism, sampling."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path


from corpuskit.lang import UNDETERMINED, detect, get_model, sample_text
from corpuskit.records import new_record
from corpuskit.steps import StepContext, build_step
from corpuskit.steps.base import Drop

CASES = json.loads((Path(__file__).parent / "golden" / "languages.json").read_text("utf-8"))["cases"]
ROOT = Path(__file__).resolve().parents[1]


def _snippets(k: int) -> list[tuple[str, str]]:
    out = []
    for case in CASES:
        words = case["text"].split()
        if len(words) > 20:
            out += [(case["lang"], " ".join(words[i:i + k])) for i in range(0, len(words) - k, k)]
    return out


def _langdetect(text: str) -> str:
    from langdetect import DetectorFactory, detect as plain
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return plain(text)
    except LangDetectException:
        return UNDETERMINED


def test_languages_covered():
    assert len({c["lang"] for c in CASES}) >= 15


def test_ngrams_are_exactly_langdetects():
    from langdetect.detector_factory import DetectorFactory, PROFILES_DIRECTORY

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    model = get_model()
    inverse = {v: k for k, v in model.vocabulary.items()}
    texts = [c["text"] for c in CASES] + [
        "NATO and the USA said; ABC x", "Ça va très bien, L'ÉTÉ", "ПРИВЕТ Hello WORLD",
        "see https://example.org/x and me@example.org", "Tiếng Việt có dấu", "  ",
        "word  " * 1999 + "https://example.org/y tail", "Ж" * 4000 + " latin words here" * 600,
        "read https://example.org/a?b=c now", "Tie\u0302\u0301ng Vie\u0323\u0302t co\u0301 da\u0302\u0301u",
        "mail me@example.org", "two  spaces",
    ]
    rng = random.Random(12)  # runs of capitals, title case, caseless and symbol letters, one-letter words
    texts += [" ".join("".join(rng.choice("aAbBǅǆⒶⓐΣσİßé日“–«\u00a0\u2070\u206fжЖ") for _ in range(rng.randrange(1, 7)))
                       for _ in range(rng.randrange(1, 12))) for _ in range(300)]
    for text in texts:
        detector = factory.create()
        detector.append(text)
        detector.cleaning_text()
        assert [inverse[i] for i in model.ngram_ids(text)] == detector._extract_ngrams(), text
    # the cached word scores (computed a text's new words at a time) are each word's
    # n-gram rows summed in order, in float64
    import numpy as np

    model._reset_cache()
    for text in texts:
        words = model.prepare(text).split(" ")
        expected = [model._word_ngrams(word, position != len(words) - 1)
                    for position, word in enumerate(words) if word]
        for row, (ids, emitted) in zip(model.word_rows(text), expected, strict=True):
            plain = model.logprob[list(ids)].sum(axis=0, dtype=np.float64) if ids else np.zeros(len(model.languages))
            assert model._word_scores[row].tobytes() == plain.tobytes(), text
            assert (model._word_counts[row], model._word_emitted[row]) == (len(ids), emitted), text


def test_model_tables_equal_plain_definitions():
    """The vectorised Model construction equals the one-entry-at-a-time definition."""
    import numpy as np
    from langdetect.detector_factory import PROFILES_DIRECTORY
    from langdetect.utils.ngram import NGram

    from corpuskit.lang import ALPHA, BASE_FREQ

    model = get_model()
    profiles = []
    for name in sorted(n for n in os.listdir(PROFILES_DIRECTORY) if not n.startswith(".")):
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
            profiles.append(json.load(handle))
    vocabulary: dict[str, int] = {}
    for profile in profiles:
        for gram in profile["freq"]:
            if 1 <= len(gram) <= 3 and gram not in vocabulary:
                vocabulary[gram] = len(vocabulary)
    assert list(model.vocabulary.items()) == list(vocabulary.items())
    probs = np.zeros((len(vocabulary), len(profiles)), dtype=np.float64)
    for column, profile in enumerate(profiles):
        for gram, freq in profile["freq"].items():
            if 1 <= len(gram) <= 3:
                probs[vocabulary[gram], column] = freq / profile["n_words"][len(gram) - 1]
    expected = np.log(probs + ALPHA / BASE_FREQ).astype(np.float32)
    assert model.logprob.dtype == np.float32
    assert model.logprob.tobytes() == expected.tobytes()
    for code in range(0x10000):  # the translate table skips blocks normalize leaves alone
        if not 0xD800 <= code <= 0xDFFF:
            assert chr(code).translate(model._normalize) == NGram.normalize(chr(code)), hex(code)


def test_accuracy_at_least_langdetect():
    ours = sum(detect(c["text"])[0] == c["lang"] for c in CASES if len(c["text"]) > 60)
    theirs = sum(_langdetect(c["text"]) == c["lang"] for c in CASES if len(c["text"]) > 60)
    assert ours >= theirs
    # the model's ranking is langdetect's own: its best label on 4- and 8-word
    # snippets is right at least as often (detect may then answer und: the guard)
    snippets = _snippets(4) + _snippets(8)
    model = get_model()
    ours = sum(model.guess(t).language == lang for lang, t in snippets)
    theirs = sum(_langdetect(t) == lang for lang, t in snippets)
    assert ours >= theirs, (ours, theirs, len(snippets))


def test_long_texts_all_correct_and_confident():
    for case in CASES:
        if len(case["text"]) > 150:
            assert detect(case["text"]) [0] == case["lang"]


def test_probability_is_calibrated_enough():
    """Confident answers are right; short, ambiguous text is 'und' more often."""
    snippets = _snippets(4)
    labelled = [(lang, detect(t)) for lang, t in snippets]
    confident = [(lang, got) for lang, (got, p) in labelled if got != UNDETERMINED]
    assert sum(lang == got for lang, got in confident) / len(confident) >= 0.95


def test_sample_gives_same_answers_as_whole_text():
    rng = random.Random(5)
    for _ in range(200):
        parts = rng.sample(CASES, 1)
        same = [c["text"] for c in CASES if c["lang"] == parts[0]["lang"]]
        text = " ".join(rng.choice(same) for _ in range(rng.randint(5, 25)))
        assert len(sample_text(text, 1500)) <= 1500
        whole = detect(text, sample_chars=0)
        assert detect(text)[0] == whole[0] == parts[0]["lang"]


def test_und_for_short_or_empty():
    assert detect("") == (UNDETERMINED, 0.0)
    assert detect("12 34 56 -- !!") == (UNDETERMINED, 0.0)
    assert detect("OK")[0] == UNDETERMINED


def test_step_drops_other_languages_with_reason():
    step = build_step({"step": "detect_language", "languages": ["en"]}, StepContext())
    step.warm_up()
    kept = step.apply(new_record(text=CASES[1]["text"], source={}))
    assert kept["language"] == "en" and kept["language_score"] >= 0.99
    dropped = step.apply(new_record(text=CASES[3]["text"], source={}))
    assert isinstance(dropped, Drop) and dropped.reason == "language:de"
    assert isinstance(step.apply(new_record(text="…", source={})), Drop)


def test_identical_labels_across_hash_seeds(tmp_path):
    script = (
        "import json,sys\n"
        "from corpuskit.lang import detect\n"
        "cases=json.load(open(sys.argv[1]))['cases']\n"
        "print(json.dumps([detect(c['text'], min_probability=0, min_letters=1) for c in cases]))\n"
    )
    outputs = set()
    for seed in ("0", "1", "42", "12345", "random"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent / "golden" / "languages.json")],
                                capture_output=True, text=True, env=env, cwd=ROOT, check=True)
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_every_golden_text_with_default_thresholds():
    # short CJK headlines included: a dense-script character counts as several letters
    wrong = [(c["lang"], detect(c["text"])) for c in CASES if detect(c["text"])[0] != c["lang"]]
    assert not wrong
    assert detect("中央银行周四维持利率不变。")[0] == "zh-cn"
    assert detect("東京")[0] == UNDETERMINED and detect("서울")[0] == UNDETERMINED


# --- scripts, und, backends ----------------------------------------------------------
ARMENIAN = "Հայաստանի կառավարությունը հինգշաբթի հաստատեց նոր ծրագիրը, որը կներկայացվի խորհրդարանին։"
GEORGIAN = "საქართველოს მთავრობამ ხუთშაბათს ახალი გეგმა დაამტკიცა, რომელიც პარლამენტს წარედგინება."
AMHARIC = "የኢትዮጵያ መንግስት ሐሙስ ዕለት አዲስ እቅድ አፀደቀ፣ ይህም ለፓርላማው ይቀርባል።"
AZERBAIJANI = ("Azərbaycan hökuməti cümə axşamı yeni planı təsdiqlədi və onu parlamentə təqdim "
               "edəcəyini bildirdi. Nazir bildirib ki, layihə gələn il həyata keçiriləcək.")


def test_script_names_the_language():
    assert detect(ARMENIAN) == ("hy", 1.0)
    assert detect(GEORGIAN) == ("ka", 1.0)
    # a few words of another script do not change the label; a URL neither
    assert detect(ARMENIAN + " (Reuters) www.example.am")[0] == "hy"


def test_armenian_is_never_estonian():
    """The bug: langdetect's nearest profile for Armenian letters is Estonian."""
    assert get_model().guess(ARMENIAN).language == "et"  # what the bare model says
    words = ARMENIAN.split()
    for n in range(2, len(words) + 1):
        assert detect(" ".join(words[:n]), min_letters=1)[0] in ("hy", UNDETERMINED)


def test_script_without_a_profile_is_und():
    """Ethiopic is written for Amharic, Tigrinya and others: no guess."""
    assert detect(AMHARIC) == (UNDETERMINED, 0.0)


def test_mixed_scripts_follow_the_majority():
    english = "The central bank kept interest rates unchanged on Thursday, it said."
    assert detect(ARMENIAN + " " + english)[0] == "hy"
    assert detect(english + " " + english + " " + ARMENIAN)[0] == "en"
    assert detect("Բարի լույս")[0] == "hy"  # a short text in the script is enough
    assert detect("Բ OK")[0] == UNDETERMINED


def test_unknown_backend_is_a_config_error():
    import pytest

    from corpuskit.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown backend 'fasttext'"):
        build_step({"step": "detect_language", "backend": "fasttext"}, StepContext())


def test_missing_backend_names_the_extra(monkeypatch):
    import pytest

    from corpuskit.errors import DependencyError
    from corpuskit.lang import py3langid_backend

    monkeypatch.setattr(py3langid_backend, "_identifier", None)
    monkeypatch.setitem(sys.modules, "py3langid", None)  # import fails as if not installed
    with pytest.raises(DependencyError) as info:
        build_step({"step": "detect_language", "backend": "py3langid"}, StepContext())
    assert "corpuskit[langid]" in str(info.value) and "\n" not in str(info.value)


def test_py3langid_backend_same_contract():
    step = build_step({"step": "detect_language", "backend": "py3langid"}, StepContext())
    step.warm_up()
    record = step.apply(new_record(text=AZERBAIJANI, source={}))
    assert record["language"] == "az" and 0.8 <= record["language_score"] <= 1.0
    assert step.apply(new_record(text=ARMENIAN, source={}))["language"] == "hy"
    assert step.apply(new_record(text="12 34", source={}))["language"] == UNDETERMINED


TURKISH = ("Türkiye hükümeti perşembe günü yeni planı onayladı ve meclise sunacağını açıkladı. "
           "Bakan, projenin gelecek yıl hayata geçirileceğini söyledi. Muhalefet partileri plana "
           "itiraz ederek daha fazla görüşme yapılması gerektiğini belirtti. Ekonomistler ise "
           "planın enflasyon üzerindeki etkisinin sınırlı kalacağını düşünüyor.")
AZERBAIJANI_LONG = AZERBAIJANI + (
    " Müxalifət partiyaları plana etiraz edərək daha çox müzakirə aparılmasının vacib olduğunu "
    "qeyd etdilər. İqtisadçılar isə planın inflyasiyaya təsirinin məhdud qalacağını düşünürlər. "
    "Hökumət nümayəndəsi jurnalistlərə açıqlamasında xərclərin büdcədən ödəniləcəyini bildirib.")


def test_long_text_unknown_to_every_profile_is_und():
    """Azerbaijani is not Turkish: with enough text, the share of n-grams in no
    profile at all (ə, x, q ...) says the language is one langdetect lacks."""
    model = get_model()
    assert model.guess(AZERBAIJANI_LONG).language == "tr"  # the nearest profile
    assert model.guess(AZERBAIJANI_LONG).emitted >= 700
    assert detect(AZERBAIJANI_LONG)[0] == UNDETERMINED
    assert detect(TURKISH + " " + TURKISH)[0] == "tr"


# --- the coverage guard: languages langdetect lacks are und, not a neighbour ----------
# One sentence each, written for these tests: the same news in neighbouring languages.
NEIGHBOURS = {
    "ms": ("Kerajaan Malaysia berkata pada hari Isnin bahawa rundingan dengan kesatuan sekerja akan "
           "diteruskan minggu hadapan kerana kedua-dua pihak masih belum mencapai persetujuan."),
    "id": ("Pemerintah Indonesia mengatakan pada hari Senin bahwa perundingan dengan serikat pekerja "
           "akan dilanjutkan pekan depan karena kedua belah pihak belum mencapai kesepakatan."),
    "sr": ("Влада Србије је у понедељак саопштила да ће преговори са синдикатима бити настављени "
           "следеће недеље, јер две стране још нису постигле договор."),
    "mk": ("Владата на Македонија во понеделникот соопшти дека преговорите со синдикатите ќе "
           "продолжат следната недела, бидејќи двете страни сè уште немаат договор."),
    "kk": ("Үкімет дүйсенбі күні кәсіподақтармен келіссөздер келесі аптада жалғасатынын хабарлады, "
           "өйткені тараптар әлі келісімге келген жоқ."),
    "ru": ("Правительство в понедельник сообщило, что переговоры с профсоюзами продолжатся на "
           "следующей неделе, поскольку стороны пока не достигли соглашения."),
    "az": ("Hökumət bazar ertəsi həmkarlar ittifaqları ilə danışıqların gələn həftə davam edəcəyini "
           "bildirdi, çünki tərəflər hələ razılığa gəlməyib."),
    "tr": ("Hükümet pazartesi günü sendikalarla müzakerelerin gelecek hafta devam edeceğini açıkladı, "
           "çünkü taraflar henüz anlaşmaya varamadı."),
    "gl": ("O goberno dixo o luns que as negociacións cos sindicatos continuarán a próxima semana, "
           "porque as dúas partes aínda non chegaron a un acordo."),
    "pt": ("O governo disse na segunda-feira que as negociações com os sindicatos continuarão na "
           "próxima semana, porque as duas partes ainda não chegaram a um acordo."),
    "la": ("Senatus heri nuntiavit colloquia cum legatis proxima hebdomade continuari, quia partes "
           "nondum ad consensum pervenerunt."),
}


def test_language_langdetect_lacks_is_und_not_its_neighbour():
    """The bug: langdetect's nearest profile, confidently (Malay as Indonesian, Serbian
    as Macedonian, Kazakh as Ukrainian, Azerbaijani as Turkish, ...)."""
    model = get_model()
    for code in ("ms", "sr", "kk", "az", "gl", "la"):
        text = NEIGHBOURS[code]
        assert code not in model.languages
        nearest = model.guess(text)
        assert nearest.language in model.languages and nearest.probability >= 0.8, code
        assert detect(text)[0] == UNDETERMINED, code


def test_neighbours_langdetect_covers_keep_their_labels():
    for code in ("id", "mk", "ru", "tr", "pt"):
        assert detect(NEIGHBOURS[code])[0] == code


def test_every_langdetect_language_can_be_confirmed():
    """A langdetect label the guard could never name would always be und."""
    from corpuskit.lang import py3langid_backend

    guard = set(py3langid_backend.languages())
    for language in get_model().languages:
        assert set(py3langid_backend._SAME_LANGUAGE.get(language, (language,))) & guard, language


def test_a_language_removed_from_the_profiles_comes_out_und(tmp_path, monkeypatch):
    """The mechanism, not a list: take Portuguese and Indonesian out of langdetect's
    profiles and their text is und (the guard still knows them), not es/gl or tl/ms."""
    import shutil

    import corpuskit.lang as lang
    from langdetect.detector_factory import PROFILES_DIRECTORY

    profiles = tmp_path / "profiles"
    profiles.mkdir()
    for name in os.listdir(PROFILES_DIRECTORY):
        if name not in ("pt", "id"):
            shutil.copy(os.path.join(PROFILES_DIRECTORY, name), profiles / name)
    monkeypatch.setattr(lang, "_model", lang.Model(str(profiles)))
    for code in ("pt", "id"):
        assert lang.get_model().guess(NEIGHBOURS[code]).probability >= 0.8  # a confident neighbour
        assert detect(NEIGHBOURS[code])[0] == UNDETERMINED
    assert detect(NEIGHBOURS["ru"])[0] == "ru"


def test_a_quote_in_another_alphabet_does_not_outvote_the_article():
    """The guard reads the letters of the label's alphabet: py3langid, reading bytes,
    would call an English article with one Russian sentence Russian."""
    from corpuskit.lang import py3langid_backend

    english = ("The central bank kept interest rates unchanged on Thursday, it said. Officials "
               "expect growth to slow next year as exports weaken. The opposition called for more "
               "talks before the vote. Markets rose after the announcement. Analysts said the "
               "decision had been widely expected by investors and economists alike. ")
    text = english + NEIGHBOURS["ru"]
    assert py3langid_backend.guess(text)[0] == "ru"
    assert detect(text)[0] == "en"


def test_ten_letters_are_enough_when_both_models_agree():
    assert detect("Markets rallied today")[0] == "en"  # 19 letters
    assert detect("Переговоры продолжатся")[0] == "ru"  # 21 letters, below 20 before
    assert detect("Hello you")[0] == UNDETERMINED  # 8 letters


def test_long_text_without_spaces_is_sampled_not_emptied():
    """A sample window without whitespace (Japanese, Chinese) is kept, not dropped:
    a 3,000-character Japanese article used to be sampled to two newlines (und)."""
    japanese = "日本政府は月曜日、労働組合との交渉を来週も続けると発表した。" * 100
    chinese = "中国政府周一表示，与工会的谈判将于下周继续进行。" * 100
    assert len(sample_text(japanese, 1500)) >= 1500
    assert detect(japanese)[0] == "ja"
    assert detect(chinese)[0] == "zh-cn"


# -- the compact py3langid identifier (corpuskit.lang.compact_langid) ---------------------

#: Text in many scripts, written for these tests, plus the shapes py3langid treats
#: specially (all capitals, decomposed accents, bytes, no features at all).
COMPACT_TEXTS = [
    *(case["text"] for case in CASES),
    *NEIGHBOURS.values(),
    "Ο πρωθυπουργός δήλωσε τη Δευτέρα ότι οι συνομιλίες θα συνεχιστούν την επόμενη εβδομάδα.",
    "قالت الحكومة يوم الاثنين إن المحادثات مع النقابات ستستمر الأسبوع المقبل.",
    "הממשלה אמרה ביום שני כי השיחות עם האיגודים יימשכו בשבוע הבא.",
    "सरकार ने सोमवार को कहा कि यूनियनों के साथ बातचीत अगले सप्ताह जारी रहेगी।",
    "রাষ্ট্রপতি সোমবার বলেছেন যে আলোচনা আগামী সপ্তাহে চলবে।",
    "정부는 월요일 노조와의 협상이 다음 주에도 계속될 것이라고 밝혔다.",
    "รัฐบาลกล่าวเมื่อวันจันทร์ว่าการเจรจากับสหภาพแรงงานจะดำเนินต่อไปในสัปดาห์หน้า",
    "Հայաստանի կառավարությունը հինգշաբթի հաստատեց նոր ծրագիրը։",
    "საქართველოს მთავრობამ ორშაბათს განაცხადა, რომ მოლაპარაკებები გაგრძელდება.",
    "Chính phủ cho biết hôm thứ Hai rằng các cuộc đàm phán sẽ tiếp tục vào tuần tới.",
    "政府は月曜日、労働組合との交渉を来週も続けると発表した。",
    "政府周一表示，与工会的谈判将于下周继续进行。",
    "THE GOVERNMENT SAID ON MONDAY THAT TALKS WOULD CONTINUE",
    "Cafe\u0301 de\u0301ja\u0300 vu, the cre\u0300me of the crop",  # NFC changes the bytes
    "", "   ", "12345 67 890", "!!!", "🙂🙃 👍", "a",
    "Mixed: Talks resumed. Переговоры возобновились. 交渉は再開された。",
    "Kerajaan berkata bahawa rundingan akan diteruskan".encode("utf-8"),
    b"\xff\xfe broken \xc3 bytes \x80\x81",
]


def _random_texts(count: int) -> list:
    """Seeded random strings over many Unicode blocks, and random bytes: every byte
    value and byte class of the DFA gets walked."""
    rng = random.Random(20261129)
    blocks = [(0x20, 0x7F), (0xA0, 0x250), (0x370, 0x530), (0x530, 0x590), (0x590, 0x700),
              (0x900, 0xE00), (0x10A0, 0x1100), (0x3040, 0x3100), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3),
              (0x1F300, 0x1F650)]
    out: list = []
    for _ in range(count):
        chosen = rng.sample(blocks, rng.randint(1, 3))
        out.append("".join(chr(rng.randrange(*rng.choice(chosen))) if rng.random() > 0.15 else " "
                           for _ in range(rng.randrange(1, 400))))
        out.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
    return out


def _py3langid_own():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_compact_tables_hold_py3langids_model_entry_by_entry():
    """Every DFA transition and every log-probability, compared with py3langid's
    own tables (the float32 values the product is computed on)."""
    import numpy as np

    from corpuskit.lang import py3langid_backend

    own, compact = _py3langid_own(), py3langid_backend.get_identifier()
    rows = np.frombuffer(own.tk_nextmove, dtype=np.uint32).reshape(-1, 256)
    merged = np.frombuffer(compact.tk_nextmove, dtype=np.uint32).reshape(len(rows), -1)
    assert merged.shape[1] < 256  # byte classes merged columns
    classes = np.frombuffer(compact._byte_class, dtype=np.uint8)
    assert np.array_equal(merged[:, classes], rows)
    assert np.array_equal(compact.tk_output, own.tk_output) and list(compact.tk_row) == list(own.tk_row)
    assert compact.nb_ptc._by_bits  # the fast conversion is the one in use
    for start in range(0, own.nb_ptc.shape[0], 20000):
        idx = np.arange(start, min(start + 20000, own.nb_ptc.shape[0]))
        expected = own.nb_ptc[idx].astype(np.float32)
        assert np.array_equal(compact.nb_ptc[idx].view(np.uint32), expected.view(np.uint32))


def test_compact_identifier_gives_py3langids_results_to_the_last_bit():
    from corpuskit.lang import py3langid_backend

    own, compact = _py3langid_own(), py3langid_backend.get_identifier()
    texts = COMPACT_TEXTS + _random_texts(150)
    labels = set()
    for text in texts:
        assert compact.classify(text) == own.classify(text), text
        assert compact.rank(text) == own.rank(text), text
        labels.add(own.classify(text)[0])
    assert len(labels) >= 25  # the texts reach many labels, not one
    subset = ["en", "de", "fr", "nl", "ru", "sr", "ms", "id", "ja", "zh"]
    try:
        own.set_languages(subset)
        compact.set_languages(subset)
        for text in texts[:200]:
            assert compact.rank(text) == own.rank(text), text
    finally:
        compact.set_languages(None)
    own.set_languages(None)
    assert compact.rank(texts[0]) == own.rank(texts[0])


def test_the_shipped_dfa_forgets_its_start_after_the_window_it_is_walked_with():
    """The proof the vectorised walk rests on, for the installed model: after 6 bytes the
    state no longer depends on the start (5 are not enough), and the model file is the
    one :data:`SYNCHRONIZING_MODELS` names, so the identifier walks it that way."""
    import hashlib

    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    from corpuskit.lang import compact_langid, py3langid_backend

    _, _, _, nextmove, row, _ = load_model(MODEL_DIR / MODEL_FILE)
    table, _ = compact_langid.merge_byte_columns(nextmove)
    depth = compact_langid.synchronizing_depth(table, row)
    assert depth == 6 and compact_langid.synchronizing_depth(table, row, limit=5) is None
    digest = hashlib.sha256((MODEL_DIR / MODEL_FILE).read_bytes()).hexdigest()
    assert compact_langid.SYNCHRONIZING_MODELS[digest] == depth
    assert py3langid_backend.get_identifier()._window == depth


def test_synchronizing_depth_on_small_automata():
    """A DFA whose state is the last byte's class forgets after 1 byte, one that counts
    'a's modulo 2 never does: the walk is vectorised only when the proof holds."""
    import numpy as np

    from corpuskit.lang.compact_langid import synchronizing_depth

    last_byte = np.zeros((2, 256), dtype=np.uint32)
    last_byte[:, ord("a")] = 1  # state 1: the last byte was 'a'
    assert synchronizing_depth(last_byte, [0, 1]) == 1
    two_back = np.zeros((4, 256), dtype=np.uint32)  # state: were the last two bytes 'a'?
    for state in range(4):
        two_back[state, :] = (state << 1) & 2
        two_back[state, ord("a")] = ((state << 1) & 2) | 1
    assert synchronizing_depth(two_back, range(4)) == 2
    parity = np.zeros((2, 256), dtype=np.uint32)
    parity[:, :] = [[0], [1]]
    parity[:, ord("a")] = [1, 0]
    assert synchronizing_depth(parity, [0, 1]) is None


def test_the_vectorised_walk_finds_visit_counts_features_in_their_order():
    """Feature ids, their counts and the order of first occurrence (the product sums in
    that order) are py3langid's ``visit_counts``', on text in many scripts and random
    bytes; an identifier without a proven window walks byte by byte, with the same result."""
    import numpy as np
    from py3langid.langid import visit_counts

    from corpuskit.lang import py3langid_backend
    from corpuskit.lang.compact_langid import CompactIdentifier

    own, compact = _py3langid_own(), py3langid_backend.get_identifier()
    assert compact._window is not None
    byte_by_byte = CompactIdentifier(own.nb_ptc[:1], own.nb_pc, own.nb_classes, own.tk_nextmove, own.tk_output,
                                     tk_row=own.tk_row)  # one row of log-probabilities: only the walk is used
    assert byte_by_byte._window is None
    for text in COMPACT_TEXTS + _random_texts(100):
        found = visit_counts(own.tk_nextmove, own._rowbase, own.tk_output, own._encode(text))
        for identifier in (compact, byte_by_byte):
            ours = identifier.visits(identifier._encode(text))
            if not found:
                assert ours is None, text
                continue
            assert ours[0].tolist() == list(found) and ours[1].tolist() == list(found.values()), text
            assert ours[1].dtype == np.float32


# Azerbaijani news sentences written for this test (py3langid covers az, langdetect does not).
_AZ = [
    "Azərbaycan Respublikasının Prezidenti bazar ertəsi günü Bakıda xarici işlər nazirləri ilə görüş "
    "keçirib. Görüşdə regionda sülh və təhlükəsizlik məsələləri müzakirə olunub.",
    "Nazirlər Kabinetinin iclasında yeni büdcə layihəsi təqdim edilib. Maliyyə naziri bildirib ki, "
    "gələn il vergi gəlirlərinin artması gözlənilir.",
    "Gəncə şəhərində keçirilən festivalda minlərlə insan iştirak edib. Tədbirdə yerli musiqiçilər və "
    "rəssamlar öz əsərlərini nümayiş etdiriblər.",
]


def test_the_gate_checks_labels_with_the_recorded_backend(tmp_path):
    """A dataset labelled by ``backend = "py3langid"`` is re-checked with that backend:
    the default one says ``und`` for Azerbaijani, which the gate reported as a mislabel."""
    import corpuskit

    (tmp_path / "in.jsonl").write_text(
        "".join(json.dumps({"id": f"az{i}", "title": f"Xəbər {i}", "text": text}) + "\n" for i, text in enumerate(_AZ)), "utf-8")
    assert {detect(text)[0] for text in _AZ} == {UNDETERMINED}  # what the wrong backend would say
    config = {"name": "az-news", "inputs": [str(tmp_path / "in.jsonl")],
              "pipeline": [{"step": "detect_language", "backend": "py3langid", "languages": ["az"]}]}
    result = corpuskit.build(config, out=str(tmp_path / "out" / "1.0.0"), workers=1)
    assert result.rows == 3
    languages = corpuskit.check(result.folder).get("records.languages")
    assert languages.status == "pass" and not languages.problems, [p for p in languages.problems]


def test_mostly_non_latin_is_langdetects_count():
    """The byte-count test (with its shortcut for texts with few characters above
    U+007F) is langdetect's character test ``latin * 2 < non_latin``, at and around the
    boundary, on random mixes of Latin letters, Latin Extended Additional, combining
    marks, Cyrillic, CJK, emoji and punctuation."""
    from corpuskit.lang import _mostly_non_latin

    def plain(text: str) -> bool:
        latin = sum("A" <= ch <= "z" for ch in text)
        non_latin = sum(ch >= "\u0300" and not "\u1e00" <= ch <= "\u1eff" for ch in text)
        return latin * 2 < non_latin

    rng = random.Random(5)
    pools = ["abcXYZ[_", "ạệỳḀ", "\u0301\u0323", "приве", "日本語", "🙂", "–“”’é ", "  .,"]
    seen = set()
    for _ in range(3000):
        text = "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randrange(0, 40)))
        expected = plain(text)
        seen.add(expected)
        assert _mostly_non_latin(text.encode("utf-8"), len(text)) == expected, text
    assert seen == {True, False}


# -- batches: detect_many, Model.guess_many, the identifier's *_many --------------------------

def _batch_texts() -> list:
    """Texts of every kind detect tells apart (script-decided, too short, a covered language, an
    uncovered neighbour, a sibling, random text), short ones (under the DFA's 6-byte window)
    between long ones, in a seeded random order."""
    texts = [t for t in COMPACT_TEXTS if isinstance(t, str)] + [c["text"] for c in CASES]
    texts += [text[:n] for text in texts[:30] for n in (1, 3, 5, 6, 7)] + [AZERBAIJANI, ARMENIAN, AMHARIC]
    texts += [t for t in _random_texts(60) if isinstance(t, str)]
    random.Random(5).shuffle(texts)
    return texts


def test_detect_many_gives_each_text_what_it_gets_alone():
    """Scoring texts together must not let one text change another's label or score (the
    walk's reset at text starts, the per-text sums, the row-wise softmax): a batch gives
    each text what a batch of one gives it, bit for bit, for both backends and thresholds."""
    from corpuskit.lang import detect_many

    texts = _batch_texts()
    for options in ({}, {"min_letters": 20, "sample_chars": 300}, {"backend": "py3langid"},
                    {"backend": "py3langid", "min_probability": 0.5}):
        alone = [detect_many([text], **options)[0] for text in texts]
        together = detect_many(texts, **options)
        assert together == alone, options
        assert len({label for label, _ in together}) >= 10  # many outcomes, not one
    assert detect_many([]) == []


def test_guess_many_is_the_plain_per_text_softmax():
    """:meth:`Model.guess_many` against the per-text computation written out plainly (the
    word rows summed with ``sum(axis=0)``, the softmax of one row), in batches of every
    size: the same language, probability (bit for bit) and n-gram counts."""
    import numpy as np

    from corpuskit.lang import EVIDENCE_NGRAMS

    model = get_model()
    texts = _batch_texts()

    def plain(text):
        rows = np.array(model.word_rows(text), dtype=np.int64)
        n = int(model._word_counts[rows].sum()) if len(rows) else 0
        if not n:
            return UNDETERMINED, 0.0, 0, 0
        scaled = model._word_scores[rows].sum(axis=0) * (min(n, EVIDENCE_NGRAMS) / n)
        scaled -= scaled.max()
        posterior = np.exp(scaled) / np.exp(scaled).sum()
        best = int(np.argmax(posterior))
        return model.languages[best], float(posterior[best]), n, int(model._word_emitted[rows].sum())

    expected = [plain(text) for text in texts]
    for size in (1, 7, len(texts)):
        guesses = [g for start in range(0, len(texts), size) for g in model.guess_many(texts[start:start + size])]
        assert [(g.language, g.probability, g.ngrams, g.emitted) for g in guesses] == expected, size


def test_guess_many_is_the_same_whatever_its_batches_and_cache(monkeypatch):
    """Texts split and looked up a few at a time, word sums of a few words at a time, a
    word cache so small it is emptied again and again (and a batch whose new words do not
    fit in it even empty, scored in halves): the same guesses, bit for bit."""
    import corpuskit.lang as lang

    model = get_model()
    texts = _batch_texts()
    expected = [(g.language, g.probability, g.ngrams, g.emitted) for g in model.guess_many(texts)]
    monkeypatch.setattr(lang, "TEXTS_AT_ONCE", 5)
    monkeypatch.setattr(lang, "WORDS_AT_ONCE", 3)
    monkeypatch.setattr(lang, "NEW_WORDS_AT_ONCE", 2)
    monkeypatch.setattr(lang, "_WORD_CACHE_ROWS", 150)  # a text has up to ~100 words here
    halves = []
    monkeypatch.setattr(model, "_guess_batch", lambda prepared, own=model._guess_batch: halves.append(len(prepared))
                        or own(prepared))
    model._reset_cache()
    try:
        guesses = model.guess_many(texts)
    finally:
        model._reset_cache()
    assert [(g.language, g.probability, g.ngrams, g.emitted) for g in guesses] == expected
    assert len(halves) > -(-len(texts) // 5)  # some batches were halved


def test_the_batch_word_table_is_the_texts_words():
    """The Arrow split of a batch gives each text the words ``prepare(text).split(" ")``
    gives (the last without closing n-grams), in order, whatever the spaces around them, for
    texts without words, and for lone surrogates (kept as they are, as ``prepare`` keeps them)."""
    import numpy as np

    model = get_model()
    texts = ["", " ", "  a  ", "a", "a ", " a", "one two  three ", "x\ud800y z\udfff", "\ud800", "é – “q”  z",
             *(t for t in _batch_texts() if isinstance(t, str))]
    model._reset_cache()
    rows, sizes = model._word_table([model._prepared(text) for text in texts])
    keys = {row: key for key, row in model._word_cache.items()}
    end = 0
    for text, size in zip(texts, sizes.tolist(), strict=True):
        words = model.prepare(text).split(" ")
        expected = [word for word in words[:-1] if word] + ([words[-1] + "\x00"] if words[-1] else [])
        start, end = end, end + size
        assert [keys[row] for row in rows[start:end].tolist()] == expected, repr(text)
    assert end == len(rows) and rows.dtype == np.int64


def test_letters_of_evidence_are_the_plain_count():
    """One possessive pattern decides whether a text has ``minimum`` letters of evidence,
    for every minimum up to the one it was asked, as counting the letters one by one does
    (dense-script characters weigh three; digits and ``_`` are no letters)."""
    from corpuskit.lang import _DENSE_RE, _LETTER_RE, DENSE_WEIGHT, _evidence

    def plain(text, minimum):
        letters = len(_LETTER_RE.findall(text))
        return minimum <= 0 or letters + (DENSE_WEIGHT - 1) * len(_DENSE_RE.findall(text)) >= minimum

    rng = random.Random(3)
    alphabet = "aZé_9 .\n\t-日한ж²\u0301\U0001d400ǅ"
    texts = ["", " ", "_", "日", "a" * 30] + ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
                                            for _ in range(1500)]
    for text in texts:
        for enough in (0, 1, 3, 10, 20, 25):
            letters = _evidence(text, enough)
            assert [letters >= m for m in range(-1, enough + 1)] == [plain(text, m) for m in range(-1, enough + 1)]


def test_decide_many_rows_are_py3langids_decide_bit_for_bit():
    """The batched normalised scores of the compact identifier are py3langid's own ``_decide``
    of each text (its model, its code), every float bit for bit; so are the labels."""
    import numpy as np

    from corpuskit.lang import py3langid_backend

    own, compact = _py3langid_own(), py3langid_backend.get_identifier()
    texts = _batch_texts()
    rows = compact.decide_many(texts)
    assert rows.dtype == np.float32 and rows.shape == (len(texts), len(own.nb_classes))
    for text, row in zip(texts, rows):
        assert row.tobytes() == own._decide(text).tobytes(), text
    assert compact.classify_many(texts) == [own.classify(text) for text in texts]
    assert compact.decide_many([]).shape == (0, len(own.nb_classes))


def test_decide_many_is_the_same_whatever_rows_it_converts_at_once(monkeypatch):
    """A batch whose distinct features are more than the rows converted at once is scored in
    halves, and the rows of a few features gathered at a time: the same scores, bit for bit."""
    from corpuskit.lang import compact_langid, py3langid_backend

    compact = py3langid_backend.get_identifier()
    texts = _batch_texts()
    expected = compact.decide_many(texts)
    monkeypatch.setattr(compact_langid, "DISTINCT_AT_ONCE", 300)
    monkeypatch.setattr(compact_langid, "ROWS_AT_ONCE", 7)
    calls = []
    own = type(compact)._visits
    monkeypatch.setattr(type(compact), "_visits", lambda self, data: calls.append(len(data)) or own(self, data))
    assert compact.decide_many(texts).tobytes() == expected.tobytes()
    assert len(calls) > 10  # halved again and again


def test_visits_many_counts_each_text_on_its_own():
    """Texts walked together (short ones among them, shorter than the DFA's window) give each
    text the features ``visit_counts`` finds in it alone, in its order."""
    from py3langid.langid import visit_counts

    from corpuskit.lang import py3langid_backend

    own, compact = _py3langid_own(), py3langid_backend.get_identifier()
    texts = _batch_texts()
    ids, counts, sizes = compact.visits_many([compact._encode(text) for text in texts])
    end = 0
    for text, size in zip(texts, sizes.tolist()):
        found = visit_counts(own.tk_nextmove, own._rowbase, own.tk_output, own._encode(text)) or {}
        start, end = end, end + size
        assert (ids[start:end].tolist(), counts[start:end].tolist()) == (list(found), list(found.values())), text
    assert end == len(ids)
    assert sum(sizes.tolist()) > 10 * len(texts)


def test_the_step_labels_a_batch_as_it_labels_each_record():
    """``process_batch`` (the models score the whole batch) keeps, drops and labels exactly
    the records ``apply`` keeps, drops and labels one at a time, and counts its time."""
    from corpuskit.steps.base import StepStats

    step = build_step({"step": "detect_language", "languages": ["en", "de", "ru"]}, StepContext())
    records = [new_record(text=text, source={"line": i}) for i, text in enumerate(_batch_texts())]
    stats = StepStats(step.name)
    kept, dropped = step.process_batch(records, stats)
    alone = [step.apply(record) for record in records]
    assert kept == [r for r in alone if not isinstance(r, Drop)]
    assert [r["removed"]["reason"] for r in dropped] == [r.reason for r in alone if isinstance(r, Drop)]
    assert {r["language"] for r in kept} == {"en", "de", "ru"} and stats.seconds > 0
    assert step._labels is None  # the labels were held by a copy, not left on the step


def test_only_alphabet_skips_only_text_it_would_not_change():
    """The quick search that lets :func:`only_alphabet` return a text unchanged passes over
    no character the substitution replaces: every code point it lets through is kept by
    the substitution (the substitution replaces characters one by one, so this holds
    for every text), and it still finds letters of other scripts."""
    from corpuskit.lang import scripts

    for name in scripts.ALPHABETS:
        quick, full = scripts._MAYBE_OTHER[name], scripts._OTHER_LETTERS[name]
        let_through = [chr(code) for code in range(0x110000)
                       if not 0xD800 <= code <= 0xDFFF and not quick.search(chr(code))]
        assert len(let_through) > 300
        assert all(full.sub(" ", ch) == ch for ch in let_through), name
    assert scripts.only_alphabet("Talks “resumed” – µ² Переговоры", "LATIN") == "Talks “resumed” –    "
    assert scripts.only_alphabet("Переговоры “Talks”", "CYRILLIC") == "Переговоры “ ”"
