"""Edge cases of the core parsers and rules that the other tests left open (found by mutation)."""

from __future__ import annotations

import pytest

from crawler.bylines import split_byline

# ---- bylines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "authors", "photo_credits"),
    [
        # a dash or a stray colon between label and names is not part of a name
        ("Текст — Ольга Логинова", ["Ольга Логинова"], []),
        ("Авторы: : Ольга Логинова", ["Ольга Логинова"], []),
        ("Text by Xenia Vaal", ["Xenia Vaal"], []),
        # several sentences of one kind add up
        ("Ольга Логинова; Данияр Молдабеков", ["Ольга Логинова", "Данияр Молдабеков"], []),
        ("Юна Коростелева, фото Данияра Мусирова. Фото: Тамара Вааль",
         ["Юна Коростелева"], ["Данияра Мусирова", "Тамара Вааль"]),
        ("Ольга Логинова. Фото: Тамара Вааль. Текст и фото: Иван Петров",
         ["Ольга Логинова", "Иван Петров"], ["Тамара Вааль", "Иван Петров"]),
    ],
)
def test_split_byline_edges(line, authors, photo_credits):
    assert split_byline(line) == (authors, photo_credits)
