"""Evidence against a label from an uncovered sibling language (default backend).

langdetect has no profile for Malay, Bosnian, Serbian, Azerbaijani, Tsonga or
Maori, and its nearest profiles for them (Indonesian, Croatian, Macedonian,
Turkish, Swahili, Latvian) are close enough that the coverage guard
(py3langid) often agrees with the wrong label: Malay and Indonesian share most
of their spelling, so do Bosnian and Croatian. Neither model can separate such
a pair from n-gram statistics, but the standard languages differ in a known
set of words and letters. This module holds those differences, as published in
the languages' standard orthographies and dictionaries (never taken from
evaluation text), and says when a text's evidence is for the sibling:

* **words** only the sibling's standard uses (Malay *kerana, bahawa, iaitu,
  Ogos, peratus*; Bosnian/Serbian *ko, šta, hiljada, historija,
  saradnja*, Serbian ekavian *vreme, mesto*; Serbian Cyrillic *је, који, није*),
  against words only the label's standard uses (Indonesian *karena, bahwa,
  yaitu, Agustus, persen*; Croatian *tko, tisuća, tjedan, povijest, suradnja*,
  the Croatian month names; Macedonian *во, со, кој, тоа*);
* **letters** the sibling writes and the label's alphabet lacks (Azerbaijani
  ``ə``; Serbian ``ђ ћ``; Maori ``ō`` and ``wh``; Tsonga ``x`` and ``rh``), and
  for a sibling whose standard has no such list of pairs, its commonest words
  that are no word of the label's language (Maori particles *ki, kua, hoki,
  tēnei*; Tsonga *leswaku, nkarhi*), checked against the label's hunspell
  dictionary (Latvian, Swahili); Maori's words count against Latvian's own
  letters (``č ģ ķ ļ ņ š ž``, which Maori lacks).

The label is rejected (``und``) when the sibling's markers are at least
``min_evidence`` and at least as many as the label's own: the evidence is for
the sibling, or balanced. Text without any marker keeps its label: most
Indonesian and Croatian sentences have none, and rejecting them all would cost
more accuracy on the covered languages than plain langdetect has to spare (see
docs/language.md for the measured trade-off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Sibling:
    """An uncovered language close to a covered ``label``, and how to tell them apart."""

    label: str                 # langdetect's label
    language: str              # the sibling, which langdetect has no profile for
    theirs: frozenset[str]     # lower-case word forms only the sibling's standard uses
    own: frozenset[str]        # word forms only the label's standard uses
    marks: tuple[str, ...] = ()  # letters (or digraphs) the sibling writes and the label's alphabet lacks
    own_marks: tuple[str, ...] = ()  # letters the label writes and the sibling's alphabet lacks
    min_evidence: int = 1      # sibling markers needed before the label is rejected
    #: py3langid's labels for the label's uncovered siblings, when it has more than
    #: one (their probabilities are summed against the label's; see :func:`rejects`)
    guard_siblings: tuple[str, ...] = ()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Standard Malay vs standard Indonesian (Dewan Bahasa dan Pustaka vs KBBI spellings
#: and vocabulary). Forms used in both, or with another meaning in the other
#: language (Indonesian *kerajaan* "kingdom", *pejabat* "official", *percuma* "in
#: vain", *polisi* "police"; *doktor* "doctorate", *polis* "insurance policy", *bilik suara*
#: "polling booth", *kedai kopi*, *esok*, *kanak-kanak*, *faham*), are left out, and so is every word that is not at
#: least 3 times as frequent in its own language as in the other by wordfreq 3.1.1's
#: lists (``sibling_lists_vs_wordfreq()`` in benchmarks/eval_language.py checks it;
#: wordfreq is not a dependency).
_MALAY = Sibling(
    "id", "ms",
    theirs=_words("""
        kerana bahawa iaitu sahaja selepas mahu baharu sentiasa manakala sebarang berkenaan menerusi
        mengikut berhampiran mac julai ogos disember peratus bilion wang universiti kualiti
        aktiviti komuniti identiti kapasiti fakulti syarikat hospital teksi cuba
        kakitangan kenderaan perkhidmatan perniagaan antarabangsa projek kempen maklumat jawatankuasa
        setiausaha jurulatih televisyen filem muzik telefon inggeris sepanyol jepun
        itali eropah parlimen perlembagaan fikir fikiran bercakap tahniah
    """),
    own=_words("""
        karena bahwa yaitu mau maret juni juli agustus desember persen miliar uang universitas
        kualitas aktivitas komunitas identitas kapasitas fakultas serikat taksi toko coba karyawan
        kendaraan layanan internasional proyek kampanye informasi komite sekretaris televisi
        film musik dokter telepon inggris prancis spanyol jepang italia eropa parlemen konstitusi
        berpikir pikiran kemarin kantor provinsi kabupaten nggak enggak gak banget
        aja sih kok udah kayak gimana bikin gitu gini bisa
    """),
)

#: Croatian vs Bosnian and Serbian (Latin script): vocabulary the standards
#: prescribe differently (Croatian *tko, tisuća, tjedan, kruh, povijest, glazba,
#: sveučilište, suradnja, sustav* and its Slavic month names; Bosnian/Serbian *ko,
#: šta, hiljada, hljeb, historija/istorija, muzika, univerzitet,
#: saradnja, sistem*, the Latin month names, *tokom, uslov, porodica*; *milion/milijun,
#: procenat/postotak, vjerovatno/vjerojatno, Španija/Španjolska, inostranstvo/inozemstvo*) and
#: Serbian's ekavian forms (*vreme, reka, dete, mesto, pre, posle, gde*; Croatian
#: and Bosnian are ijekavian: *vrijeme, mjesto, prije*). Words Bosnian shares with
#: Croatian (*općina, opći, također*), and *zvaničan*, which Croatian news writes too,
#: are left out.
_BOSNIAN_SERBIAN = Sibling(
    "hr", "bs",
    theirs=_words("""
        ko šta hiljada hiljadu hiljade historija historije historiji
        historijski istorija istorije istoriji istorijski hljeb hleb muzika muzike muziku muzički
        univerzitet univerziteta univerzitetu voz voza januar januara februar februara
        mart marta aprila maj maja juni juna jun juli jula jul augusta avgust avgusta septembar
        septembra oktobar oktobra novembar novembra decembar decembra opšti opšte opšta tačka tačke
        tačno nauka nauke nauci naučni naučnik naučnici pozorište pozorišta porodica porodice
        porodici porodicu ambasada ambasade evropski evropske evropskog evropskoj evropa evrope evropi
        vek veka tokom uslov uslovi uslova uslovima izvještaj izvještaja opština
        opštine reditelj režiser fudbal fudbala fudbalski sistem sistema sistemu sistemi preduzeće
        preduzeća vazduh vazduha sprat štampa vanredan učestvovati učestvuje učestvovao bezbjednost
        bezbjednosti bezbednost bezbednosti penzija penzije apoteka ljekar ljekara lekar odbrana
        odbrane hemija hemijski saradnja saradnje saradnju saradnik saradnici takođe pasoš ostrvo
        ostrva ostrvu
        učesnik učesnici učešće sekretar računar privreda privrede privredni poslanik poslanici
        ambasador saobraćaj krivični krivičnog krivično fabrika fabrike plata plate glasati glasali
        saopštenje saopćenje selektor demokratija demokratije finansijski finansija planeta opozicija
        opozicije opozicioni milion miliona milione procenat procenta procenata procentu procente
        vjerovatno verovatno španija španije španiji švajcarska švajcarske švajcarskoj holandija
        holandije holandiji inostranstvo inostranstva inostranstvu
        spoljni spoljne spoljnih spoljnog spoljnu berza berze
        kancelarija kancelarije kancelariji komandant komandanta uopšte fudbaler fudbaleri
        vreme reka mleko lepo dete deca mesto mesta predsednik pesma deo reč posle gde
        nedelja pre uvek
    """),
    own=_words("""
        tko tisuća tisuću tisuće tjedan tjedna tjednu tjedno povijest povijesti povijesni povijesne
        povijesnog kruh kruha glazba glazbe glazbu glazbeni glazbenik zrakoplov zrakoplova sveučilište
        sveučilišta sveučilištu vlak vlaka siječanj siječnja veljača veljače ožujak ožujka travanj
        travnja svibanj svibnja lipanj lipnja srpanj srpnja kolovoz kolovoza rujan rujna listopad
        listopada studeni studenoga studenog prosinac prosinca točka točke točno znanost znanosti
        znanstveni znanstvenik znanstvenici kazalište kazališta obitelj obitelji veleposlanstvo
        europski europske europskog europskoj europa europe europi stoljeće stoljeća stoljeću tijekom
        uvjet uvjeti uvjeta uvjetima izvješće izvješća redatelj nogomet nogometni nogometa ravnatelj
        sustav sustava sustavu sustavi tvrtka tvrtke tvrtki zrak zraka tisak izvanredan sudjelovati
        sudjeluje sudjelovao sudjelovanje prosvjed prosvjedi sigurnost sigurnosti mirovina mirovine
        ljekarna liječnik liječnika obrana obrane kemija kemijski suradnja suradnje suradnju suradnik
        suradnici putovnica
        sudionik sudionici tajnik računalo gospodarstvo gospodarstva gospodarski zastupnik zastupnici
        veleposlanik promet prometa kazneni kaznenog kazneno tvornica tvornice plaća plaće glasovati
        glasovali priopćenje izbornik demokracija demokracije financijski financija planet oporba
        oporbe oporbeni milijun milijuna milijune postotak postotka postotku postotaka vjerojatno
        španjolska španjolske španjolskoj švicarska švicarske švicarskoj nizozemska nizozemske
        nizozemskoj inozemstvo inozemstva inozemstvu dužnosnik dužnosnici dužnosnika burza burze
        zapovjednik zapovjednika momčad momčadi nogometaš nogometaši
    """),
    guard_siblings=("bs", "sr"),
)

#: Serbian (Cyrillic) vs Macedonian: Serbian's ђ, ћ and words Macedonian does not
#: have (*је* "is", Macedonian *е*; *у* "in", Macedonian *во*; *који*, *није*, *ће*,
#: *када*, *где*, *као*, *између*, *због*, *сви*; *један* (mk *еден*), *јер*, *тај*
#: (mk *тој*), *овај* (*овој*), *сада* (*сега*), *још* (*уште*), *године* (*година*),
#: *био* (*бил*), *људи* (*луѓе*)), against Macedonian's ѓ, ќ, ѕ
#: (counted as words containing them) and its own words.
_SERBIAN_CYRILLIC = Sibling(
    "mk", "sr",
    theirs=_words("је у који које није ће када где као између због сви један једна једно јер тај овај сада још "
                  "године био људи"),
    own=_words("во со кој кое е тоа тие сите меѓу кога каде ќе"),
    marks=("ђ", "ћ"),
    own_marks=("ѓ", "ќ", "ѕ"),
)

#: Azerbaijani vs Turkish: ə is in Azerbaijani's alphabet, not in Turkish's.
_AZERBAIJANI = Sibling("tr", "az", theirs=frozenset(), own=frozenset(), marks=("ə",))

#: Maori vs Latvian: Maori's ō and wh are in no Latvian word, and neither are its
#: particles and pronouns (*ki, kua, kei, hoki, ngā, tēnei, rātou* ...; every word
#: here is rejected by the Latvian hunspell dictionary; Maori's *te, ka, ko, au, ai,
#: hei* are Latvian words too, and *kia, ana, mai, he, ia* are common names or
#: English words, so they are left out). Latvian's č ģ ķ ļ ņ š ž are not in Maori's
#: alphabet: words with them count for Latvian.
_MAORI = Sibling(
    "lv", "mi",
    theirs=_words("ngā nga ki kua kei hoki tēnei tēnā tērā ēnei kāore ahau koe mātou tātou rātou māua tāua rāua "
                  "tonu anō engari nā mā rā"),
    own=frozenset(), marks=("ō", "wh"), own_marks=("č", "ģ", "ķ", "ļ", "ņ", "š", "ž"))

#: Tsonga vs Swahili: Swahili's alphabet has no x, Tsonga writes it in its
#: commonest words; Tsonga's rh (*tirha, nkarhi*) is in 4 of the Swahili hunspell
#: dictionary's 67,901 words (Arabic loans); its function words here (*leswaku,
#: hikuva, naswona* ...) are in none. Two markers are needed, since Swahili news
#: quotes foreign names.
_TSONGA = Sibling("sw", "ts", theirs=_words("eka leswi loko swi xi leswaku hikuva naswona hinkwaswo leyi lexi leri "
                                            "nkarhi vanhu tiko"), own=frozenset(), marks=("x", "rh"),
                  min_evidence=2)

#: covered label -> its uncovered siblings (one each today)
SIBLINGS: dict[str, Sibling] = {
    s.label: s for s in (_MALAY, _BOSNIAN_SERBIAN, _SERBIAN_CYRILLIC, _AZERBAIJANI, _MAORI, _TSONGA)}

_WORD_RE = re.compile(r"[^\W\d_]+")


def evidence(sibling: Sibling, text: str) -> tuple[int, int]:
    """(markers of the sibling, markers of the label) among the words of ``text``."""
    theirs = own = 0
    for word in _WORD_RE.findall(text.lower()):
        if word in sibling.theirs or any(mark in word for mark in sibling.marks):
            theirs += 1
        elif word in sibling.own or any(mark in word for mark in sibling.own_marks):
            own += 1
    return theirs, own


def rejects(label: str, text: str, guard_text: str | None = None) -> str | None:
    """The uncovered sibling of ``label`` that ``text``'s evidence points to, or
    ``None`` when the label may stand.

    The sibling's markers are at least ``min_evidence`` and at least as many as
    the label's own; or, for a label with several uncovered siblings
    (``guard_siblings``: Croatian's Bosnian and Serbian), the words do not favour
    the label and the coverage guard's model, on ``guard_text`` (the guard's
    input), gives the siblings together at least the label's probability. The
    guard checks only that the label is its single most probable language; when
    the siblings split the rest between them, the text is at least as likely to be
    in one of them as in the label.

    >>> rejects("id", "Menurut laporan itu, harga minyak naik lima peratus pada bulan Ogos kerana permintaan.")
    'ms'
    >>> rejects("id", "Menurut laporan itu, harga minyak naik lima persen pada bulan Agustus karena permintaan.")
    >>> rejects("en", "anything")
    """
    sibling = SIBLINGS.get(label)
    if sibling is None:
        return None
    theirs, own = evidence(sibling, text)
    if theirs >= sibling.min_evidence and theirs >= own:
        return sibling.language
    if sibling.guard_siblings and guard_text is not None and own <= theirs:
        from corpuskit.lang import py3langid_backend

        posterior = dict(py3langid_backend.rank(guard_text))
        if sum(posterior.get(other, 0.0) for other in sibling.guard_siblings) >= posterior.get(label, 0.0):
            return sibling.language
    return None
