"""Unit tests of author-line splitting and of date parsing with Kazakhstan's offsets."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from crawler.bylines import split_byline
from crawler.dates import (
    kazakhstan_offset,
    month_number,
    normalise_timestamp,
    to_local_iso,
    visible_date_parts,
)


@pytest.mark.parametrize(
    ("line", "authors", "photo_credits"),
    [
        ("Ольга Логинова, Данияр Молдабеков", ["Ольга Логинова", "Данияр Молдабеков"], []),
        ("Ольга Логинова и Данияр Молдабеков", ["Ольга Логинова", "Данияр Молдабеков"], []),
        ("Paolo Sorbello and Olga Loginova", ["Paolo Sorbello", "Olga Loginova"], []),
        ("Текст: Ольга Логинова, Данияр Молдабеков. Фото: Тамара Вааль",
         ["Ольга Логинова", "Данияр Молдабеков"], ["Тамара Вааль"]),
        ("Юна Коростелева, фото Данияра Мусирова", ["Юна Коростелева"], ["Данияра Мусирова"]),
        ("Paolo Sorbello and Olga Loginova. Photo by Tamara Vaal.",
         ["Paolo Sorbello", "Olga Loginova"], ["Tamara Vaal"]),
        ("Paolo Sorbello and Olga Loginova. Photo from Almaty TV.",
         ["Paolo Sorbello", "Olga Loginova"], ["Almaty TV"]),
        ("Paolo Sorbello. Photo from Almaty TV.", ["Paolo Sorbello"], ["Almaty TV"]),
        ("Мәтін: Ақбота Узбекбай. Фото: Алмас Қайсар", ["Ақбота Узбекбай"], ["Алмас Қайсар"]),
        ("Ақбота Узбекбай, Алмас Қайсар", ["Ақбота Узбекбай", "Алмас Қайсар"], []),
        ("Мәтін: Ақбота Узбекбай мен Алмас Қайсар", ["Ақбота Узбекбай", "Алмас Қайсар"], []),
        ("Текст и фото: Иван Петров", ["Иван Петров"], ["Иван Петров"]),
        ("А. Иванов, Б. Петров", ["А. Иванов", "Б. Петров"], []),
        ("A, B and C. Photos: D, E", ["A", "B", "C"], ["D", "E"]),
        ("Фото из открытых источников", [], ["открытых источников"]),
        ("  Ольга   Логинова ,  Ольга Логинова ", ["Ольга Логинова"], []),
        ("", [], []),
    ],
)
def test_split_byline(line, authors, photo_credits):
    assert split_byline(line) == (authors, photo_credits)


def test_split_byline_names_fields():
    byline = split_byline("Текст: A. Фото: B")
    assert (byline.authors, byline.photo_credits) == (["A"], ["B"])


@pytest.mark.parametrize(
    ("word", "month"),
    [("января", 1), ("февраля", 2), ("марта", 3), ("апреля", 4), ("мая", 5), ("июня", 6),
     ("июля", 7), ("августа", 8), ("сентября", 9), ("октября", 10), ("ноября", 11),
     ("декабря", 12), ("Ноябрь", 11), ("қаңтар", 1), ("ақпан", 2), ("наурыз", 3), ("сәуір", 4),
     ("мамыр", 5), ("маусым", 6), ("шілде", 7), ("тамыз", 8), ("қыркүйек", 9), ("қазан", 10),
     ("қараша", 11), ("желтоқсан", 12), ("January", 1), ("Sept", 9), ("December", 12),
     ("жылғы", None), ("year", None)],
)
def test_month_number(word, month):
    assert month_number(word) == month


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("27 ноября 2023", (date(2023, 11, 27), None)),
        ("1 марта 2024, 14:05", (date(2024, 3, 1), time(14, 5))),
        ("11.12.2019, 11:27", (date(2019, 12, 11), time(11, 27))),
        ("12 наурыз 2024", (date(2024, 3, 12), None)),
        ("2023 жылғы 16 желтоқсан", (date(2023, 12, 16), None)),
        ("November 27, 2023", (date(2023, 11, 27), None)),
        ("3 June 2024", (date(2024, 6, 3), None)),
        ("27.11.2023", (date(2023, 11, 27), None)),
        ("10234 27 ноября 2023", (date(2023, 11, 27), None)),
        ("31 февраля 2023", (None, None)),
        ("вчера", (None, None)),
        ("", (None, None)),
    ],
)
def test_visible_date_parts(text, moment):
    assert visible_date_parts(text) == moment


@pytest.mark.parametrize(
    ("moment", "iso"),
    [
        (datetime(2023, 11, 27), "2023-11-27T00:00:00+06:00"),
        (datetime(2024, 2, 29, 23, 59), "2024-02-29T23:59:00+06:00"),
        (datetime(2024, 3, 1), "2024-03-01T00:00:00+05:00"),
        (datetime(2025, 7, 18, 16, 0), "2025-07-18T16:00:00+05:00"),
    ],
)
def test_local_offset_before_and_after_march_2024(moment, iso):
    assert to_local_iso(moment) == iso


def test_offset_of_an_aware_moment_follows_the_instant():
    assert str(kazakhstan_offset(datetime.fromisoformat("2024-02-29T17:59:00+00:00"))) == "UTC+06:00"
    assert str(kazakhstan_offset(datetime.fromisoformat("2024-02-29T18:00:00+00:00"))) == "UTC+05:00"


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2023-11-27T14:05:00+06:00", "2023-11-27T14:05:00+06:00"),
        ("2023-11-27T08:05:00Z", "2023-11-27T14:05:00+06:00"),
        ("2024-02-29T20:15:00Z", "2024-03-01T01:15:00+05:00"),
        ("2024-05-14T09:30:00+06:00", "2024-05-14T08:30:00+05:00"),
        ("2024-05-14T09:30:00.123456+05:00", "2024-05-14T09:30:00+05:00"),
        ("2023-11-27", "2023-11-27"),
        ("2024-03-05 10:00", "2024-03-05T10:00:00+05:00"),
        ("27 ноября 2023", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_timestamp(value, iso):
    assert normalise_timestamp(value) == iso
