"""The word level of the model of change: word ops, typo against rewrite, and similarity.

Each threshold of docs/changes.md is checked at its value and just past it.
"""

from __future__ import annotations

import pytest

from storage.changes import (
    TYPO_MAX_CHANGED,
    TYPO_MAX_EDITS,
    diff_fields,
    diff_records,
    diff_words,
    edit_kind,
    tokenize,
    word_similarity,
)

# A paragraph of over 200 tokens in which spaces, commas and `в` are frequent.
LONG = (
    "По словам министра финансов, поправки в Налоговый кодекс затронут около сорока тысяч "
    "предприятий малого и среднего бизнеса, которые до сих пор работали по упрощённой "
    "декларации. Депутаты обсуждали законопроект почти три часа: часть из них предлагала "
    "отложить вступление норм в силу до следующего года, другие настаивали на том, что "
    "бизнес давно знает о грядущих изменениях и успел к ним подготовиться. В министерстве "
    "напомнили, что проект публиковался для обсуждения ещё весной, а замечания отраслевых "
    "ассоциаций учтены в новой редакции. Представители палаты предпринимателей, однако, "
    "заявили журналистам, что их главные предложения так и остались без ответа, и пообещали "
    "обратиться в Сенат, где документ рассмотрят на следующей неделе."
)


def kind(old: str, new: str) -> str:
    """The kind of a paragraph edited from `old` to `new`."""
    return edit_kind(diff_words(old, new))


def changes_of(words) -> list:
    return [op for op in words if op[0] != "equal"]


# --- word ops --------------------------------------------------------------------------------


def test_a_changed_word_reads_delete_then_insert_between_unchanged_runs():
    assert diff_words("Заседание назначено на среду.", "Заседание назначено на пятницу.") == [
        ("equal", "Заседание назначено на "),
        ("delete", "среду"),
        ("insert", "пятницу"),
        ("equal", "."),
    ]


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("Депутаты обсуждали законопроект", "Депутат обсуждал законопроект",
         [("delete", "Депутаты обсуждали"), ("insert", "Депутат обсуждал"),
          ("equal", " законопроект")]),
        ("в северо-восточной части", "в юго-западной части",
         [("equal", "в "), ("delete", "северо-восточной"), ("insert", "юго-западной"),
          ("equal", " части")]),
    ],
)
def test_a_single_space_or_mark_between_two_changes_is_folded_into_one_change(old, new, words):
    assert diff_words(old, new) == words


def test_a_word_between_two_changes_keeps_them_apart():
    assert diff_words("Ольга и Асель пишут", "Олег и Асан пишут") == [
        ("delete", "Ольга"), ("insert", "Олег"), ("equal", " и "),
        ("delete", "Асель"), ("insert", "Асан"), ("equal", " пишут"),
    ]


def test_a_mark_at_either_end_stays_unchanged_rather_than_folded_in():
    assert diff_words("«Нур Отан»", "«Аманат»") == [
        ("equal", "«"), ("delete", "Нур Отан"), ("insert", "Аманат"), ("equal", "»")
    ]


def test_one_doubled_letter_in_a_long_paragraph_is_that_word_alone_and_a_typo():
    assert len(tokenize(LONG)) > 200  # long enough for SequenceMatcher's junk heuristic
    new = LONG.replace("норм в силу", "норм вв силу")
    words = diff_words(LONG, new)
    assert changes_of(words) == [("delete", "в"), ("insert", "вв")]
    assert edit_kind(words) == "typo"


# --- typo or rewrite -------------------------------------------------------------------------


def swap_letters(word: str) -> str:
    """The word with its last two letters swapped: two characters edited."""
    return word[:-2] + word[-1] + word[-2]


@pytest.mark.parametrize(("misspelt", "expected"), [(3, "typo"), (4, "rewrite")])
def test_three_letters_swapped_are_a_typo_and_four_a_rewrite(misspelt, expected):
    new = LONG
    for word in ("министра", "законопроект", "подготовиться", "журналистам")[:misspelt]:
        new = new.replace(word, swap_letters(word), 1)
    assert len(changes_of(diff_words(LONG, new))) == 2 * misspelt
    assert kind(LONG, new) == expected


@pytest.mark.parametrize(("commas", "expected"), [(TYPO_MAX_EDITS, "typo"),
                                                  (TYPO_MAX_EDITS + 1, "rewrite")])
def test_commas_added_or_removed_are_a_typo_up_to_six_characters(commas, expected):
    listed = ["налоги", "пошлины", "сборы", "акцизы", "взносы", "штрафы", "пени", "и"]
    old = f"В перечень вошли {' '.join(listed)} другие обязательные платежи в бюджет страны."
    new = old
    for word in listed[:commas]:
        new = new.replace(f"{word} ", f"{word}, ", 1)
    assert kind(old, new) == expected
    assert kind(new, old) == expected


def test_a_typo_leaves_at_least_nine_tenths_of_the_paragraph_as_it_was():
    # One letter for another edits 2 of the 10 + 10 characters: 0.9 left, still a typo ...
    assert kind("Кот уснул.", "Кит уснул.") == "typo"
    # ... but 2 of 9 + 9 leaves 0.89 of a shorter paragraph: a rewrite.
    assert kind("Кот спит.", "Кит спит.") == "rewrite"


def test_a_respelling_shares_at_least_half_of_its_characters():
    # A Latin `o` typed for the Cyrillic one: `по` and `пo` share one character of two.
    assert kind("Заседания проходят по средам.", "Заседания проходят пo средам.") == "typo"
    # `на` and `в` share nothing: a word swapped for another, however short.
    assert kind("Заседание назначено на среду.", "Заседание назначено в среду.") == "rewrite"


def long_words_misspelt(dropped: int) -> tuple[str, str]:
    """A paragraph with six long words in a row, each misspelt by one letter: doubled, or for
    the first `dropped` of them left out."""
    words = ["высококвалифицированных", "специалистов", "электроэнергетического",
             "нефтеперерабатывающего", "сельскохозяйственных", "промышленности"]
    misspelt = [w[:5] + w[6:] if k < dropped else w[:5] + w[5] + w[5:]
                for k, w in enumerate(words)]
    frame = "В программе подготовки говорится о {} и об их заработной плате."
    return frame.format(" ".join(words)), frame.format(" ".join(misspelt))


@pytest.mark.parametrize(("dropped", "changed", "expected"),
                         [(1, TYPO_MAX_CHANGED, "typo"), (0, TYPO_MAX_CHANGED + 2, "rewrite")])
def test_changed_runs_longer_than_240_characters_are_a_rewrite(dropped, changed, expected):
    old, new = long_words_misspelt(dropped)
    (_, deleted), (_, inserted) = changes_of(diff_words(old, new))
    assert len(deleted) + len(inserted) == changed
    assert kind(old, new) == expected


# --- similarity and fields -------------------------------------------------------------------


def test_word_similarity_is_the_share_of_characters_of_both_texts_left_unchanged():
    # "ab" kept, "c" deleted, "de" inserted: 2 × 2 unchanged of 3 + 4 characters.
    assert word_similarity([("equal", "ab"), ("delete", "c"), ("insert", "de")]) == 4 / 7
    assert word_similarity([("delete", "Старый абзац."), ("insert", "Новый.")]) == 0.0


def test_an_edited_paragraph_carries_its_word_similarity():
    old = {"body": ["Первый абзац.", "Заседание назначено на среду."]}
    new = {"body": ["Первый абзац.", "Заседание назначено на пятницу."]}
    (edited,) = diff_records(old, new).changed_paragraphs
    # "Заседание назначено на " and "." unchanged (24 characters), "среду" and "пятницу" not.
    assert edited.similarity == 2 * 24 / (2 * 24 + 5 + 7)
    assert edited.kind == "rewrite"


def test_a_field_edit_is_diffed_word_by_word():
    old = {"lead": "Изменения вступят в силу с 1 января.", "authors": ["Ольга Логинова"]}
    new = {"lead": "Изменения вступят в силу с 1 февраля.",
           "authors": ["Ольга Логинова", "Асель Ким"]}
    authors, lead = diff_fields(old, new)
    assert lead.words == [("equal", "Изменения вступят в силу с 1 "), ("delete", "января"),
                          ("insert", "февраля"), ("equal", ".")]
    assert authors.words == [("equal", "Ольга Логинова"), ("insert", ", Асель Ким")]
