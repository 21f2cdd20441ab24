"""Tests for the model of change (storage.changes) and its renderings (views.diffs)."""

from __future__ import annotations

import json
from collections import Counter
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.changes import _dice, as_text, diff_records, diff_words, tokenize
from storage.records import ArticleRecord
from views.diffs import diff_dict, render_html, render_text, render_unified

BODY = [
    "Мажилис принял во втором чтении поправки в Налоговый кодекс.",
    "Депутаты обсуждали законопроект почти три часа, рассказали в пресс-службе.",
    "По словам министра финансов, изменения затронут около 40 тысяч предприятий.",
    "Следующее заседание назначено на среду.",
]


BODY_TITLE = "Мажилис принял поправки в Налоговый кодекс"


def record(**changes) -> dict:
    base = {
        "article_id": 57753,
        "language": "ru",
        "url": "https://vlast.kz/politika/57753-nalogovyj-kodeks.html",
        "section": "politika",
        "slug": "nalogovyj-kodeks",
        "title": "Мажилис принял поправки в Налоговый кодекс",
        "lead": "Изменения вступят в силу с 1 января.",
        "authors": ["Ольга Логинова"],
        "photo_credits": ["Тамара Вааль"],
        "published": "2023-11-27T14:05:00+06:00",
        "modified": None,
        "tags": ["налоги", "парламент"],
        "cover_image": "https://vlast.kz/media/cover.jpg",
        "cover_caption": "Здание парламента.",
        "body": list(BODY),
    }
    base.update(changes)
    return ArticleRecord(**base).to_dict()


def with_paragraph(index: int, text: str) -> list[str]:
    body = list(BODY)
    body[index] = text
    return body


def changed(diff):
    return diff.changed_paragraphs


def rebuild(words, side: str) -> str:
    skip = "insert" if side == "old" else "delete"
    return "".join(text for op, text in words if op != skip)


# --- classification ----------------------------------------------------------------------


def test_unchanged_pair_has_no_changes():
    diff = diff_records(record(), record())
    assert not diff.changed
    assert diff.fields == [] and changed(diff) == []
    assert diff.kinds == [] and diff.stealth is False
    assert render_text(diff).startswith("No changes.")
    assert diff_dict(diff)["stats"]["equal"] == len(BODY)


def test_typo():
    new = record(body=with_paragraph(1, BODY[1].replace("почти", "почит")))
    (change,) = changed(diff_records(record(), new))
    assert (change.op, change.kind) == ("replace", "typo")
    assert ("delete", "почти") in change.words and ("insert", "почит") in change.words


def test_two_typos_in_long_words_are_a_typo():
    old = "Жетісу облысындағы шешім әлеуметтік желіде үлкен пікірталас вызвало."
    new = old.replace("Жетісу", "Жетісф").replace("вызвало", "вышвало")
    (change,) = changed(diff_records(record(body=[old]), record(body=[new])))
    assert change.kind == "typo"


def test_punctuation_fix_is_a_typo():
    new = record(body=with_paragraph(3, "Следующее заседание назначено на среду!"))
    (change,) = changed(diff_records(record(), new))
    assert change.kind == "typo"


@pytest.mark.parametrize(
    "edited",
    [
        BODY[2].replace("40", "400"),  # one digit, but a different fact
        BODY[3].replace("среду", "пятницу"),  # a word swapped for another
        BODY[3].replace("назначено", "не назначено"),  # a word added
    ],
)
def test_small_edits_that_change_meaning_are_a_rewrite(edited):
    index = next(k for k, p in enumerate(BODY) if p[:20] == edited[:20])
    (change,) = changed(diff_records(record(), record(body=with_paragraph(index, edited))))
    assert change.kind == "rewrite"


def test_one_letter_word_swapped_is_a_typo():
    new = record(body=with_paragraph(0, BODY[0].replace(" в ", " ы ")))
    (change,) = changed(diff_records(record(), new))
    assert change.kind == "typo"


def test_rewritten_paragraph():
    rewritten = "Обсуждение в палате затянулось, а часть депутатов покинула зал до голосования."
    diff = diff_records(record(), record(body=with_paragraph(1, rewritten)))
    (change,) = changed(diff)
    assert (change.op, change.kind, change.old_index, change.new_index) == (
        "replace", "rewrite", 1, 1
    )
    assert diff.kinds == ["rewrite", "stealth"]


def test_added_paragraph():
    body = BODY[:2] + ["Оппозиция назвала поправки поспешными."] + BODY[2:]
    (change,) = changed(diff_records(record(), record(body=body)))
    assert (change.op, change.kind, change.new_index) == ("insert", "paragraph_added", 2)


def test_removed_paragraph():
    body = BODY[:2] + BODY[3:]
    diff = diff_records(record(), record(body=body))
    (change,) = changed(diff)
    assert (change.op, change.kind, change.old_index) == ("delete", "paragraph_removed", 2)
    assert diff.kinds == ["paragraph_removed", "stealth"]


def test_edit_next_to_insert_is_paired_by_similarity():
    body = [BODY[0], "Новый абзац о реакции бизнеса.", BODY[1].replace("почти", "почит")] + BODY[2:]
    ops = [(p.op, p.kind) for p in changed(diff_records(record(), record(body=body)))]
    assert ops == [("insert", "paragraph_added"), ("replace", "typo")]


def test_headline_is_shown_whole():
    title = "Мажилис одобрил поправки в Налоговый кодекс"
    diff = diff_records(record(), record(title=title))
    (field,) = diff.fields
    assert (field.name, field.kind) == ("title", "headline")
    assert field.words == [("delete", BODY_TITLE), ("insert", title)]
    assert diff.kinds == ["headline", "stealth"]


@pytest.mark.parametrize("name", ["authors", "photo_credits"])
def test_byline(name):
    diff = diff_records(record(), record(**{name: ["Данияр Молдабеков"]}))
    (field,) = diff.fields
    assert (field.name, field.kind) == (name, "byline")


def test_lead():
    (field,) = diff_records(record(), record(lead="Изменения вступят в силу с 1 января!")).fields
    assert (field.name, field.kind) == ("lead", "lead")


def test_stealth_when_text_changes_but_modified_does_not():
    old = record(modified="2023-11-28T09:00:00+06:00")
    new = record(modified=old["modified"], body=with_paragraph(3, "Заседание отменено."))
    diff = diff_records(old, new)
    assert diff.stealth and diff.kinds[-1] == "stealth"
    assert "Stealth edit" in render_text(diff)


def test_not_stealth_when_modified_moves():
    new = record(modified="2023-11-28T09:00", body=with_paragraph(3, "Заседание отменено."))
    diff = diff_records(record(), new)
    assert not diff.stealth and "stealth" not in diff.kinds
    assert [f.name for f in diff.fields] == ["modified"]
    assert diff.fields[0].kind == "dates"
    assert diff.kinds == ["rewrite"]  # the moved date is the consequence of the edit


def test_modified_date_alone_is_dates():
    diff = diff_records(record(), record(modified="2023-11-28T09:00:00+06:00"))
    assert diff.kinds == ["dates"] and not diff.stealth


def test_whitespace_is_no_change():
    new = record(title=" Мажилис  принял поправки в Налоговый кодекс", body=[p + "  " for p in BODY])
    diff = diff_records(record(), new)
    assert not diff.changed and diff.fields == [] and changed(diff) == []


def test_metadata_only_change_is_not_stealth():
    diff = diff_records(record(), record(tags=["налоги", "парламент", "бизнес"]))
    (field,) = diff.fields
    assert (field.name, field.kind) == ("tags", "tags")
    assert diff.kinds == ["tags"] and not diff.stealth


def test_moved_article():
    new = record(
        section="ekonomika",
        slug="nalogovyj-kodeks-prinyat",
        url="https://vlast.kz/ekonomika/57753-nalogovyj-kodeks-prinyat.html",
    )
    diff = diff_records(record(), new)
    assert [(f.name, f.kind) for f in diff.fields] == [
        ("url", "moved"), ("section", "moved"), ("slug", "moved")
    ]
    assert diff.kinds == ["moved"] and not diff.stealth


def test_fields_come_in_report_order():
    new = record(lead="Другой лид.", title="Другой заголовок", authors=["Б"], tags=["т"])
    names = [f.name for f in diff_records(record(), new).fields]
    assert names == ["title", "authors", "tags", "lead"]


def test_moved_needs_a_new_path_not_a_new_host():
    new = record(url="http://127.0.0.1:8765/politika/57753-nalogovyj-kodeks.html",
                 body=with_paragraph(3, "Заседание отменено."), modified="2023-11-28T09:00")
    assert diff_records(record(), new).kinds == ["rewrite"]


def test_whole_article_removal():
    diff = diff_records(record(), None, {"status": 410})
    assert diff.kinds == ["removed"] and diff.removed == {"status": 410}
    assert "status 410" in render_text(diff)
    assert json.loads(json.dumps(diff_dict(diff)))["removed"] == {"status": 410}
    assert "redirects" not in render_text(diff)


def test_removal_by_a_redirect_says_where_it_leads():
    diff = diff_records(record(), None, {"status": 302, "location": "https://vlast.kz/"})
    sentence = "Article removed (status 302): it now redirects to https://vlast.kz/."
    assert sentence in render_text(diff)
    assert sentence in render_unified(diff)
    assert sentence in render_html(diff)
    assert diff_dict(diff)["removed"]["location"] == "https://vlast.kz/"


# --- words and languages -----------------------------------------------------------------


def test_tokens_are_words_spaces_and_marks():
    assert tokenize("Қазақстан, әрине — өңір!") == [
        "Қазақстан", ",", " ", "әрине", " ", "—", " ", "өңір", "!"
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Мемлекеттік қызметшілер жалақысы өседі.", "Мемлекеттік қызметшілердің жалақысы өспейді!"),
        ("Vlast.kz  reports:\tthe  budget", "Vlast.kz reported: the budget, again"),
        ("", "Жаңа абзац."),
        ("Абзац удалён.", ""),
    ],
)
def test_word_ops_rebuild_both_texts(old, new):
    words = diff_words(old, new)
    assert rebuild(words, "old") == old and rebuild(words, "new") == new


@given(st.text(alphabet="абвгдеёжзқәңөұүһі ,.!\n\tabc123—", max_size=60),
       st.text(alphabet="абвгдеёжзқәңөұүһі ,.!\n\tabc123—", max_size=60))
def test_word_ops_rebuild_any_text(old, new):
    words = diff_words(old, new)
    assert rebuild(words, "old") == old and rebuild(words, "new") == new


def test_kazakh_typo():
    body = ["Қазақстанда жаңа заң қабылданды.", "Бұл туралы министрлік хабарлады."]
    new = ["Қазақстанда жаңа заң қабылданды.", "Бұл туралы министірлік хабарлады."]
    diff = diff_records(record(language="kk", body=body), record(language="kk", body=new))
    (change,) = changed(diff)
    assert change.kind == "typo"
    assert ("insert", "министірлік") in change.words


# --- renderers ---------------------------------------------------------------------------


def sample_diff():
    body = [BODY[0], BODY[1].replace("почти", "почит"), BODY[2], BODY[3], "Добавлено позже."]
    return diff_records(record(), record(title="Новый заголовок", body=body))


def test_render_text_plain():
    text = render_text(sample_diff(), color=False)
    assert "\x1b[" not in text
    assert "[-почти-]{+почит+}" in text
    assert "{+Добавлено позже.+}" in text
    assert "title (headline): [-Мажилис принял поправки в Налоговый кодекс-]{+Новый заголовок+}" in text
    assert "… 1 unchanged paragraph …" in text and "… 2 unchanged paragraphs …" in text


def test_render_text_colour():
    text = render_text(sample_diff(), color=True)
    assert "\x1b[31mпочти\x1b[0m\x1b[32mпочит\x1b[0m" in text
    assert "[-" not in text and "{+" not in text


def test_render_unified():
    lines = render_unified(sample_diff()).splitlines()
    assert lines[0].startswith("--- old") and lines[1].startswith("+++ new")
    assert '# title (headline): "Мажилис принял поправки в Налоговый кодекс" -> ' \
           '"Новый заголовок"' in lines
    assert "@@ -1,4 +1,5 @@" in lines
    assert "-" + BODY[1] in lines and "+" + BODY[1].replace("почти", "почит") in lines
    assert "+Добавлено позже." in lines


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = set(), set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def test_render_html_escapes_archived_content():
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    old = record(title="Заголовок " + payload, authors=['"><svg onload=alert(3)>'])
    new = record(title="Заголовок", body=with_paragraph(1, BODY[1] + payload))
    page = render_html(diff_records(old, new), title=payload)
    collector = TagCollector()
    collector.feed(page)
    assert page.count("<html") == 1
    assert "script" not in collector.tags and "img" not in collector.tags
    assert "svg" not in collector.tags
    assert not {a for a in collector.attrs if a.startswith("on")}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert {"del", "ins", "style"} <= collector.tags
    assert "Content-Security-Policy" in page


def test_to_json_shape():
    data = diff_dict(sample_diff())
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert set(data) >= {"changed", "kinds", "stealth", "fields", "paragraphs", "stats"}
    assert data["kinds"] == ["headline", "typo", "paragraph_added", "stealth"]
    assert data["fields"][0] == {
        "name": "title",
        "kind": "headline",
        "old": "Мажилис принял поправки в Налоговый кодекс",
        "new": "Новый заголовок",
        "words": [["delete", "Мажилис принял поправки в Налоговый кодекс"],
                  ["insert", "Новый заголовок"]],
    }
    edited = data["paragraphs"][1]
    assert set(edited) == {"op", "kind", "old_index", "new_index", "old", "new", "similarity",
                           "words"}
    assert (edited["op"], edited["kind"]) == ("replace", "typo")
    assert data["stats"] == {"equal": 3, "replace": 1, "insert": 1, "delete": 0}


# --- long articles (speed is measured in bench/bench_diff.py) ----------------------------


def long_pair() -> tuple[dict, dict]:
    words = "парламент бюджет налог реформа граждане закон министр область".split()
    body = [
        " ".join(words[(k * 7 + n) % len(words)] + str(k) for n in range(48)) + "."
        for k in range(200)
    ]
    new = list(body)
    for k in range(5, 200, 20):
        new[k] = new[k].replace(f"бюджет{k}", f"бюжет{k}", 1) + " Дополнение."
    return record(body=body), record(body=new)


def test_long_article_diff_finds_exactly_the_scattered_edits():
    old, new = long_pair()
    assert sum(map(len, old["body"])) > 80_000
    paragraphs = changed(diff_records(old, new))
    assert [p.old_index for p in paragraphs] == list(range(5, 200, 20))


def test_a_field_reads_as_text_with_lists_joined_by_commas_and_none_empty():
    assert as_text(None) == ""
    assert as_text(["Ольга Логинова", "Асель Ким"]) == "Ольга Логинова, Асель Ким"
    assert as_text(("a", 2)) == "a, 2"
    assert as_text(7) == "7"


def test_paragraph_similarity_is_the_dice_share_of_common_words():
    assert _dice(Counter("ab"), Counter("bc")) == 0.5
    assert _dice(Counter("ab"), Counter("ab")) == 1.0
    assert _dice(Counter(), Counter()) == 1.0  # two empty paragraphs are alike
