"""The change model paragraph by paragraph: how old and new paragraphs are paired (docs/changes.md)."""

from __future__ import annotations

import sys

import pytest

import storage.changes
from storage.changes import (
    PAIR_MAX_CELLS,
    ParagraphChange,
    diff_paragraphs,
    diff_records,
    diff_words,
    word_similarity,
)

A = "Мажилис принял во втором чтении поправки в Налоговый кодекс."
B = "Депутаты обсуждали законопроект почти три часа, рассказали в пресс-службе."
C = "По словам министра финансов, изменения затронут около сорока тысяч предприятий."
D = "Следующее заседание назначено на среду."
BODY = [A, B, C, D]
# The same paragraphs with one word misspelt: each is a typo of its original.
A2 = A.replace("чтении", "чтнеии")
B2 = B.replace("почти", "почит")
C2 = C.replace("финансов", "финасов")
D2 = D.replace("Следующее", "Следущее")
# New paragraphs that share too few words with any of the above to be paired with them.
NEW = "Оппозиция назвала их поспешными."
NEW2 = "Бизнес-ассоциации попросили отсрочку до лета."


def equal(i: int, j: int, text: str) -> ParagraphChange:
    return ParagraphChange("equal", text, text, i, j)


def removed(i: int, text: str) -> ParagraphChange:
    return ParagraphChange("delete", text, None, i, None, [("delete", text)], "paragraph_removed",
                           0.0)


def added(j: int, text: str) -> ParagraphChange:
    return ParagraphChange("insert", None, text, None, j, [("insert", text)], "paragraph_added",
                           0.0)


def edited(i: int, j: int, old: str, new: str, kind: str) -> ParagraphChange:
    words = diff_words(old, new)
    return ParagraphChange("replace", old, new, i, j, words, kind, word_similarity(words))


def shape(changes: list[ParagraphChange]) -> list[tuple]:
    return [(p.op, p.old_index, p.new_index, p.kind) for p in changes]


# --- unchanged, inserted, deleted, moved ---------------------------------------------------------


def test_unchanged_body_is_equal_paragraph_by_paragraph():
    assert diff_paragraphs(BODY, BODY) == [equal(k, k, p) for k, p in enumerate(BODY)]


def test_empty_bodies_have_no_paragraphs():
    assert diff_paragraphs([], []) == []


def test_every_paragraph_of_a_first_body_is_added():
    assert diff_paragraphs([], [A, B]) == [added(0, A), added(1, B)]


def test_every_paragraph_of_an_emptied_body_is_removed():
    assert diff_paragraphs([A, B], []) == [removed(0, A), removed(1, B)]


@pytest.mark.parametrize("at", [0, 2, 4])
def test_inserted_paragraph_at_the_start_middle_or_end(at):
    new = BODY[:at] + [NEW] + BODY[at:]
    assert diff_paragraphs(BODY, new) == (
        [equal(k, k, BODY[k]) for k in range(at)] + [added(at, NEW)]
        + [equal(k, k + 1, BODY[k]) for k in range(at, len(BODY))])


@pytest.mark.parametrize("at", [0, 1, 3])
def test_deleted_paragraph_at_the_start_middle_or_end(at):
    new = BODY[:at] + BODY[at + 1:]
    assert diff_paragraphs(BODY, new) == (
        [equal(k, k, BODY[k]) for k in range(at)] + [removed(at, BODY[at])]
        + [equal(k, k - 1, BODY[k]) for k in range(at + 1, len(BODY))])


def test_two_paragraphs_deleted_together():
    assert diff_paragraphs(BODY, [A, D]) == [equal(0, 0, A), removed(1, B), removed(2, C),
                                              equal(3, 1, D)]


def test_two_paragraphs_inserted_together_after_deleted_ones():
    assert diff_paragraphs(BODY, [A, NEW, NEW2]) == [
        equal(0, 0, A), removed(1, B), removed(2, C), removed(3, D), added(1, NEW),
        added(2, NEW2)]


def test_moved_paragraph_is_removed_where_it_was_and_added_where_it_is():
    assert diff_paragraphs(BODY, [B, C, D, A]) == [
        removed(0, A), equal(1, 0, B), equal(2, 1, C), equal(3, 2, D), added(3, A)]


# --- edited paragraphs and replaced blocks -------------------------------------------------------


def test_edited_paragraph_in_place():
    old = "Следующее заседание назначено на среду."
    new = "Следующее заседание назначено на пятницу."
    assert diff_paragraphs([A, old], [A, new]) == [equal(0, 0, A), ParagraphChange(
        "replace", old, new, 1, 1,
        [("equal", "Следующее заседание назначено на "), ("delete", "среду"),
         ("insert", "пятницу"), ("equal", ".")],
        "rewrite", 2 * 34 / (2 * 34 + 5 + 7))]


def test_block_with_a_new_paragraph_between_two_edits():
    assert diff_paragraphs(BODY, [A, B2, NEW, C2, D]) == [
        equal(0, 0, A), edited(1, 1, B, B2, "typo"), added(2, NEW), edited(2, 3, C, C2, "typo"),
        equal(3, 4, D)]


def test_block_with_a_paragraph_deleted_between_two_edits():
    assert diff_paragraphs(BODY, [A, B2, D2]) == [
        equal(0, 0, A), edited(1, 1, B, B2, "typo"), removed(2, C), edited(3, 2, D, D2, "typo")]


def test_edit_followed_by_two_deleted_paragraphs():
    assert diff_paragraphs(BODY, [A, B2]) == [
        equal(0, 0, A), edited(1, 1, B, B2, "typo"), removed(2, C), removed(3, D)]


def test_two_new_paragraphs_before_an_edit():
    assert diff_paragraphs([A, B, C], [A, NEW, NEW2, B2, C]) == [
        equal(0, 0, A), added(1, NEW), added(2, NEW2), edited(1, 3, B, B2, "typo"),
        equal(2, 4, C)]


def test_two_deleted_paragraphs_before_an_edit():
    assert diff_paragraphs(BODY, [A, D2]) == [
        equal(0, 0, A), removed(1, B), removed(2, C), edited(3, 1, D, D2, "typo")]


def test_one_old_and_one_new_paragraph_between_two_pairs_are_a_rewrite():
    assert diff_paragraphs(BODY, [A, B2, NEW, D2]) == [
        equal(0, 0, A), edited(1, 1, B, B2, "typo"), edited(2, 2, C, NEW, "rewrite"),
        edited(3, 3, D, D2, "typo")]


def test_one_old_and_one_new_paragraph_before_a_pair_are_a_rewrite():
    assert diff_paragraphs([A, B, C], [NEW, B2, C]) == [
        edited(0, 0, A, NEW, "rewrite"), edited(1, 1, B, B2, "typo"), equal(2, 2, C)]


def test_one_old_and_one_new_paragraph_after_a_pair_are_a_rewrite():
    assert diff_paragraphs([A, B, C], [A, B2, NEW]) == [
        equal(0, 0, A), edited(1, 1, B, B2, "typo"), edited(2, 2, C, NEW, "rewrite")]


def test_one_old_and_two_new_paragraphs_between_pairs_are_removed_and_added():
    assert diff_paragraphs(BODY, [A, B2, NEW, NEW2, D2]) == [
        equal(0, 0, A), edited(1, 1, B, B2, "typo"), removed(2, C), added(2, NEW),
        added(3, NEW2), edited(3, 4, D, D2, "typo")]


def test_two_old_and_one_new_paragraph_between_pairs_are_removed_and_added():
    assert diff_paragraphs(BODY, [A2, NEW, D2]) == [
        edited(0, 0, A, A2, "typo"), removed(1, B), removed(2, C), added(1, NEW),
        edited(3, 2, D, D2, "typo")]


def test_unrelated_paragraphs_replaced_two_for_two_are_removed_and_added():
    assert diff_paragraphs([A, B, C, D], [A, NEW, NEW2, D]) == [
        equal(0, 0, A), removed(1, B), removed(2, C), added(1, NEW), added(2, NEW2),
        equal(3, 3, D)]


# --- split, merged and rebalanced paragraphs -----------------------------------------------------

S1 = "Мажилис одобрил поправки в Налоговый кодекс."
S2 = "Депутаты обсуждали законопроект почти три часа и спорили о ставках для малого бизнеса."
S3 = "Закон вступит в силу с января."


def test_split_paragraph_pairs_with_its_larger_part():
    assert shape(diff_paragraphs([A, f"{S1} {S2}", D], [A, S1, S2, D])) == [
        ("equal", 0, 0, None), ("insert", None, 1, "paragraph_added"),
        ("replace", 1, 2, "rewrite"), ("equal", 2, 3, None)]


def test_merged_paragraphs_pair_the_larger_one_with_the_merge():
    assert shape(diff_paragraphs([A, S1, S2, D], [A, f"{S1} {S2}", D])) == [
        ("equal", 0, 0, None), ("delete", 1, None, "paragraph_removed"),
        ("replace", 2, 1, "rewrite"), ("equal", 3, 2, None)]


def test_pairing_maximises_the_total_similarity_not_the_best_single_pair():
    # A sentence moved from the first paragraph to the second: the first old paragraph is most
    # like the second new one (0.74), but pairing each paragraph with its own new form is worth
    # more in all (0.48 + 0.48).
    old, new = [f"{S1} {S2}", S3], [S1, f"{S2} {S3}"]
    assert shape(diff_paragraphs(old, new)) == [("replace", 0, 0, "rewrite"),
                                                ("replace", 1, 1, "rewrite")]


# --- the similarity threshold and the size limit -------------------------------------------------

# Ten words each, three in common (на, с, акимат): a Dice similarity of exactly 0.3.
TARIFFS = "Акимат Алматы объявил о повышении тарифов на воду с марта."
HEATING = "Тарифы на отопление в столице вырастут с апреля, сообщил акимат."
UNRELATED = "Жители недовольны."


def test_paragraphs_exactly_at_the_threshold_are_paired():
    assert diff_paragraphs([TARIFFS, UNRELATED], [HEATING]) == [
        edited(0, 0, TARIFFS, HEATING, "rewrite"), removed(1, UNRELATED)]


def test_paragraphs_below_the_threshold_are_not_paired():
    heating = HEATING.replace("вырастут", "снова вырастут")  # eleven words: 6/21 < 0.3
    assert diff_paragraphs([TARIFFS, UNRELATED], [heating]) == [
        removed(0, TARIFFS), removed(1, UNRELATED), added(0, heating)]


def numbered(k: int) -> str:
    """A paragraph whose words are its own."""
    return f"Абзац{k} говорит о решении{k} совета{k} по вопросу{k} номер{k} подробно{k}."


def typo_of(k: int) -> str:
    """The paragraph with its punctuation fixed: a typo."""
    return numbered(k)[:-1] + "!"


def test_a_block_of_max_cells_is_paired_by_similarity():
    # 100 old paragraphs; the first is deleted, the others get a typo, one is added at the end.
    old = [numbered(k) for k in range(100)]
    new = [typo_of(k) for k in range(1, 100)] + ["Новый последний абзац."]
    assert len(old) * len(new) == PAIR_MAX_CELLS
    assert shape(diff_paragraphs(old, new)) == (
        [("delete", 0, None, "paragraph_removed")]
        + [("replace", k, k - 1, "typo") for k in range(1, 100)]
        + [("insert", None, 99, "paragraph_added")])


def test_a_block_larger_than_max_cells_is_paired_by_position():
    old = [numbered(k) for k in range(101)]
    new = [typo_of(k) for k in range(1, 101)]
    assert len(old) * len(new) > PAIR_MAX_CELLS
    assert shape(diff_paragraphs(old, new)) == (
        [("replace", k, k, "rewrite") for k in range(100)]
        + [("delete", 100, None, "paragraph_removed")])


def test_repeated_separators_of_a_long_article_stay_equal():
    # Over 200 paragraphs with a separator repeated often: each separator is still a paragraph
    # that did not change, between edits on either side of it.
    body = []
    for k in range(220):
        body += ["* * *"] if k % 20 == 0 else [numbered(k)]
    new = [typo_of(k) if k in (39, 41) else p for k, p in enumerate(body)]
    assert shape([p for p in diff_paragraphs(body, new) if p.op != "equal"]) == [
        ("replace", 39, 39, "typo"), ("replace", 41, 41, "typo")]


# --- the record diff -----------------------------------------------------------------------------


def article(**changes) -> dict:
    return {"title": "Мажилис принял поправки", "modified": " 2023-11-28T09:00:00+06:00 ",
            "body": list(BODY), **changes}


def test_record_diff_keeps_both_modified_dates_whitespace_normalised():
    diff = diff_records(article(), article(modified="2023-11-29T10:00:00+06:00", body=[A, B2]))
    assert (diff.old_modified, diff.new_modified) == ("2023-11-28T09:00:00+06:00",
                                                      "2023-11-29T10:00:00+06:00")
    assert diff.kinds == ["typo", "paragraph_removed"] and not diff.stealth
    assert diff.changed_paragraphs == diff.paragraphs[1:]
    assert diff.stats == {"equal": 1, "replace": 1, "insert": 0, "delete": 2}


def test_stealth_edit_counts_its_paragraphs():
    diff = diff_records(article(), article(body=[A, NEW, B, C, D2]))
    assert diff.stealth and diff.changed
    assert diff.kinds == ["typo", "paragraph_added", "stealth"]
    assert diff.old_modified == diff.new_modified == "2023-11-28T09:00:00+06:00"
    assert [p.op for p in diff.changed_paragraphs] == ["insert", "replace"]
    assert diff.stats == {"equal": 3, "replace": 1, "insert": 1, "delete": 0}


def test_a_record_without_a_body_gets_one():
    diff = diff_records(article(body=None), article(body=[A]))
    assert diff.paragraphs == [added(0, A)]
    assert diff_records(article(body=[A]), article(body=None)).paragraphs == [removed(0, A)]


def test_paragraphs_compare_whitespace_normalised():
    diff = diff_records(article(), article(body=[" " + A, B.replace(" ", "\n "), C, D + "\t"]))
    assert not diff.changed and diff.paragraphs == [equal(k, k, p) for k, p in enumerate(BODY)]


def test_removal_without_a_status():
    diff = diff_records(article(), None)
    assert diff.kinds == ["removed"] and diff.changed and not diff.stealth
    assert diff.removed == {"status": None}
    assert (diff.old_modified, diff.new_modified) == ("2023-11-28T09:00:00+06:00", None)
    assert diff.fields == [] and diff.paragraphs == [] and diff.changed_paragraphs == []
    assert diff.stats == {"equal": 0, "replace": 0, "insert": 0, "delete": 0}


def test_removal_is_the_diff_even_when_a_record_is_given():
    removal = {"status": 404}
    diff = diff_records(article(), article(body=[A]), removal)
    assert diff.kinds == ["removed"] and diff.removed == {"status": 404}
    assert diff.paragraphs == [] and diff.new_modified is None


# --- the cost of a diff --------------------------------------------------------------------------


def operations(function, *args) -> int:
    """Lines of Python run while `function(*args)` runs (difflib's included): a count of work
    that does not depend on how busy the machine is."""
    lines = 0

    def trace(frame, event, arg):
        nonlocal lines
        if event == "line":
            lines += 1
        return trace

    sys.settrace(trace)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return lines


def long_article(paragraphs: int, shape: str) -> tuple[dict, dict]:
    """Two versions of a long body: one paragraph said again and again, paragraphs of a few
    dozen kinds, or one paragraph of repeated words; a typo near the start, a paragraph (or a
    sentence) added half-way, another removed at three quarters."""
    if shape == "one paragraph of repeated words":
        words = [f"слово{k % 7}" for k in range(paragraphs)]
        new = list(words)
        new[10] = "слвоо"
        new.insert(len(new) // 2, "вставка")
        del new[3 * len(new) // 4]
        return {"body": [" ".join(words)]}, {"body": [" ".join(new)]}
    if shape == "the same paragraph":
        body = ["Один и тот же абзац, повторённый много раз."] * paragraphs
    else:
        body = [f"Абзац {k % 37} о заседании суда по делу активистов." for k in range(paragraphs)]
    new = list(body)
    new[10] = new[10].replace("абзац", "абазц").replace("заседании", "засеаднии")
    new.insert(len(new) // 2, "Редакция дополнила материал.")
    del new[3 * len(new) // 4]
    return {"body": body}, {"body": new}


@pytest.mark.parametrize("shape", ["the same paragraph", "paragraphs of a few kinds",
                                   "one paragraph of repeated words"])
def test_the_work_of_a_diff_grows_near_linearly_with_the_article(shape, monkeypatch):
    """Past the work difflib may do (made small here), doubling the article doubles the work,
    where difflib alone quadruples it."""
    monkeypatch.setattr(storage.changes, "MATCH_WORK", 10_000, raising=False)
    small = operations(diff_records, *long_article(1_000, shape))
    large = operations(diff_records, *long_article(2_000, shape))
    assert large < 2.5 * small


@pytest.mark.parametrize("shape", ["the same paragraph", "paragraphs of a few kinds"])
def test_a_long_article_with_repeated_paragraphs_is_still_diffed_paragraph_by_paragraph(
        shape, monkeypatch):
    """Past the work difflib may do, the alignment still finds the few paragraphs that changed."""
    monkeypatch.setattr(storage.changes, "MATCH_WORK", 10_000, raising=False)
    old, new = long_article(3_000, shape)
    diff = diff_records(old, new)
    changed = diff.changed_paragraphs
    assert len(changed) <= 4 and diff.stats["equal"] >= 2_996
    assert {p.new for p in changed if p.new} == {new["body"][10], new["body"][1_500]}
    if shape == "paragraphs of a few kinds":
        assert diff.stats == {"equal": 2_998, "replace": 1, "insert": 1, "delete": 1}
        assert diff.kinds == ["typo", "paragraph_added", "paragraph_removed", "stealth"]
