"""The Kazakh suffix stripper: word families that must meet, different words that must not."""

from __future__ import annotations

import pytest

from bench.word_forms import KK_DIFFERENT
from storage.kazakh import flat, has_kazakh_letters, stem
from storage.text import query_forms

# Each family: forms of one word (plural, possessive, case endings in their harmony and
# consonant variants) that must all reach one stem.
FAMILIES = {
    "алаң": "алаң алаңы алаңға алаңда алаңнан алаңның алаңды алаңдар алаңдарда алаңына "
            "алаңында алаңындағы алаңымыз",
    "Алматы": "Алматы Алматыда Алматыға Алматының Алматыдан Алматыны Алматымен Алматыдағы",
    "Астана": "Астана Астанада Астанаға Астананың Астанадан Астананы Астанамен Астанадағы",
    "Өскемен": "Өскемен Өскеменде Өскеменге Өскеменнің Өскеменнен Өскеменді Өскеменмен",
    "Шымкент": "Шымкент Шымкентте Шымкентке Шымкенттің Шымкенттен Шымкентті Шымкенттегі",
    "Қарағанды": "Қарағанды Қарағандыда Қарағандыға Қарағандының Қарағандыдан",
    "Қазақстан": "Қазақстан Қазақстанда Қазақстанға Қазақстанның Қазақстаннан Қазақстанды "
                 "Қазақстанмен Қазақстандағы",
    "депутат": "депутат депутаттар депутаттары депутаттардың депутаттарға депутатқа "
               "депутаттың депутаттарын",
    "тұрғын": "тұрғын тұрғындар тұрғындары тұрғындардың тұрғындарға тұрғынның",
    "сайлау": "сайлау сайлауы сайлауға сайлауда сайлаудың сайлауды сайлаудан сайлаулар",
    "митинг": "митинг митингке митингте митингтің митингтен митингті митингі",
    "теңге": "теңге теңгенің теңгеге теңгеде теңгеден теңгені",
    "Конституция": "Конституция Конституцияға Конституцияның Конституцияда Конституцияны",
    "қала": "қала қаласы қаласына қаласында қаласынан қаланың қалаға қалада қалалар "
            "қалаларда қалалардың",
    "ел": "ел елі еліміз елдің елге елде елден елді елдер елдерде",
    "ауыл": "ауыл ауылы ауылға ауылда ауылдың ауылдар ауылдағы ауылдарында",
    "Ресей": "Ресей Ресейге Ресейде Ресейдің Ресеймен Ресейден",
    "партия": "партия партияның партияға партиясы партиялар партияларды",
    "банк": "банк банкі банкке банктің банктер банкпен",
    "Тоқаев": "Тоқаев Тоқаевтың Тоқаевқа Тоқаевпен Тоқаевты",
    "мектеп": "мектеп мектепке мектепте мектептің мектептер мектебі",
    "министрлік": "министрлік министрлікке министрліктің министрлікте министрліктер",
    "комиссия": "комиссия комиссиясы комиссиясының комиссияға комиссиясына",
    "әкімдік": "әкімдік әкімдікке әкімдіктің әкімдікте әкімдіктен",
    "экономист": "экономист экономистер экономистердің экономистерге",
    "мұғалім": "мұғалім мұғалімдер мұғалімдердің мұғалімге мұғалімнің",
    "жыл": "жыл жылы жылға жылда жылдың жылдар жылдары",
    "сот": "сот соты сотқа сотта соттың сотпен соттар",
}



@pytest.mark.parametrize("family", FAMILIES)
def test_every_form_of_a_word_reaches_one_stem(family):
    stems = {form: stem(form.lower()) for form in FAMILIES[family].split()}
    assert len(set(stems.values())) == 1, stems


@pytest.mark.parametrize(("one", "other"), KK_DIFFERENT)  # each pair keeps two stems
def test_different_words_sharing_a_beginning_do_not_meet(one, other):
    assert stem(one.lower()) != stem(other.lower())


def test_families_do_not_meet_each_other():
    stems = {family: stem(family.lower()) for family in FAMILIES}
    assert len(set(stems.values())) == len(stems), stems


def test_a_stem_keeps_a_vowel_and_two_letters():
    assert stem("аға") == "аға"  # "ға" would leave one letter
    assert stem("мың") == "мың"
    assert stem("ел") == "ел"


@pytest.mark.parametrize(("typed", "meant"), [
    ("оскемен", "өскемен"), ("оскеменде", "өскеменде"), ("аланга", "алаңға"),
    ("казакстаннын", "қазақстанның"), ("тенгенин", "теңгенің"), ("мушеси", "мүшесі"),
    ("алматыга", "алматыға"),
])
def test_forms_typed_without_kazakh_letters_reach_the_flat_stem(typed, meant):
    assert not has_kazakh_letters(typed) and has_kazakh_letters(meant)
    assert stem(typed, flat_letters=True) == flat(stem(meant))


def test_flat_letters_only_widen_words_typed_flat():
    assert flat("өскемен") == "оскемен"
    assert stem("аланга") == "аланга"  # without flat_letters, -га is no Kazakh ending
    assert stem("алаңға", flat_letters=True) == stem("алаңға")


def test_a_kazakh_query_typed_flat_also_matches_the_flat_stem():
    assert query_forms("аланга", "kk") == ["аланга", "алан"]
    assert query_forms("алматыга", "kk") == ["алматыга", "алмат"]


def test_a_query_whose_flat_stem_is_its_stem_has_one_form():
    assert query_forms("алан", "kk") == ["алан"]


@pytest.mark.parametrize(("word", "language", "forms"), [
    ("алаңга", "kk", ["алаңга"]),  # a Kazakh letter: typed with Kazakh letters, -га is no ending
    ("smsаланга", "kk", ["smsаланга"]),  # a Latin letter: the English stem only
    ("аланга", "ru", ["аланг"]),  # other editions: their own stem only
    ("алматыга", "en", ["алматыг"]),
])
def test_only_kazakh_cyrillic_typed_flat_gets_a_second_form(word, language, forms):
    assert query_forms(word, language) == forms
