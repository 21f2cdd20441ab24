"""What one edition says and another does not: facts across languages, the alignment of
paragraphs, what is reported (storage.comparison), what the archive keeps and shows
(storage.divergence, `story --compare`, changes, feeds, status, the reading room), the
replay's truth and the quality gate (bench/bench_editions.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from cli import main
from storage.archive import Archive
from storage.changelog import ChangeFilter, change_log
from storage.comparison import Edition, compare_story, edited_facts
from storage.facts import read
from storage.names import name_key, same_name
from storage.records import ArticleRecord

# ---- one story in three editions, written by hand ------------------------------------------------

RU = [
    "В Алматы задержали 12 участников акции.",
    "По данным полиции, в Алматы были задержаны 12 человек. Акция началась в 10:05 на площади "
    "Республики.",
    "Участники митинга потребовали объяснений от властей.",
    "Президент Касым-Жомарт Токаев поручил разобраться в ситуации. «Все виновные понесут "
    "наказание», — заявил Токаев.",
    "Бюджет программы составляет 1,5 млрд тенге, сообщили в акимате Алматы.",
    "Суд назначил заседание на 14 марта 2024 года.",
    "В 2019 году в Астане прошла похожая акция, в ней приняли участие около 3 тыс. человек.",
]
KK = [
    "Алматыда акцияның 12 қатысушысы ұсталды.",
    "Полиция мәліметінше, Алматыда 12 адам ұсталды.",  # the Russian paragraph split in two
    "Акция Республика алаңында сағат 10:05-те басталды.",
    "Шеруге қатысушылар биліктен түсініктеме талап етті.",
    "Президент Қасым-Жомарт Тоқаев жағдайды анықтауды тапсырды. «Барлық кінәлілер жазасын "
    "алады», — деді Тоқаев.",
    "Бағдарламаның бюджеті 1,5 млрд теңгені құрайды, деп хабарлады Алматы әкімдігі.",
    "Сот отырысын 2024 жылғы 14 наурызға белгіледі.",
    "2019 жылы Астанада осындай акция өтті, оған 3 мыңға жуық адам қатысты.",
]
EN = [  # shortened: two paragraphs left out, the quotation moved up, two paragraphs merged
    "Twelve protesters were detained in Almaty.",
    "“All those responsible will be punished,” President Kassym-Jomart Tokayev said, ordering an "
    "inquiry into the situation.",
    "According to the police, 12 people were detained in Almaty. The rally began at 10:05 on "
    "Republic Square.",
    "The program's budget is KZT 1.5 billion, the Almaty akimat said. The court hearing is "
    "scheduled for March 14, 2024.",
]


def story(ru=RU, kk=KK, en=EN) -> list[Edition]:
    return [Edition(1, "ru", list(ru)), Edition(2, "kk", list(kk)), Edition(3, "en", list(en))]


def findings_of(editions: list[Edition]) -> list[dict]:
    return compare_story(editions)[1]


# ---- facts and names --------------------------------------------------------------------------

@pytest.mark.parametrize("language, text, expected", [
    ("ru", "задержаны 12 человек, ещё двое в больнице", [("number", "12"), ("number", "2")]),
    ("kk", "12 адам ұсталды, тағы екеуі ауруханада", [("number", "12"), ("number", "2")]),
    ("en", "twelve people were detained, two more in hospital", [("number", "12"), ("number", "2")]),
    ("ru", "около 3 тыс. человек, 1,5 млрд тенге", [("number", "3000"), ("money", "1500000000")]),
    ("kk", "3 мыңға жуық адам, 1,5 млрд теңге", [("number", "3000"), ("money", "1500000000")]),
    ("en", "about 3,000 people, KZT 1.5 billion", [("number", "3000"), ("money", "1500000000")]),
    ("en", "$200 million and 4.5 percent", [("money", "200000000"), ("percent", "4.5")]),
    ("ru", "200 млн долларов и 4,5%", [("money", "200000000"), ("percent", "4.5")]),
    ("kk", "200 млн доллар және 4,5 пайызға", [("money", "200000000"), ("percent", "4.5")]),
    ("ru", "14 марта 2024 года в 10:05", [("date", "2024-03-14"), ("time", "10:05")]),
    ("kk", "2024 жылғы 14 наурызда сағат 10:05-те", [("date", "2024-03-14"), ("time", "10:05")]),
    ("en", "on March 14, 2024 at 10:05", [("date", "2024-03-14"), ("time", "10:05")]),
    ("ru", "в 2019 году, тысячу деревьев, двадцать пять тысяч",
     [("year", "2019"), ("number", "1000"), ("number", "25000")]),
    ("kk", "2019 жылы, мың ағаш, жиырма бес мың", [("year", "2019"), ("number", "1000"),
                                                  ("number", "25000")]),
    ("en", "in 2019, a thousand trees, twenty-five thousand",
     [("year", "2019"), ("number", "1000"), ("number", "25000")]),
    ("ru", "COVID-19, Су-27, 2-й этап, 5G", []),
    ("kk", "3-ші кезең", []),
    ("en", "the 2nd stage of COVID-19", []),
])
def test_facts_cross_languages(language, text, expected):
    assert [(f.kind, f.value) for f in read(text, language).facts] == expected


def test_a_year_and_a_number_of_the_same_value_are_one_fact_a_month_is_not_a_day():
    from storage.facts import Fact, compatible

    [year] = read("в 2019 году", "ru").facts
    assert year.kind == "year" and compatible(year, Fact("number", "2019", "2 019", 0))
    [day] = read("14 марта 2024 года", "ru").facts
    [month] = read("in March 2024", "en").facts
    [undated] = read("on 14 March", "en").facts
    assert not compatible(day, month) and compatible(day, undated)


@pytest.mark.parametrize("a, b", [
    ("Тоқаев", "Tokayev"), ("Токаев", "Tokayev"), ("Токаева", "Тоқаевтың"), ("Алматы", "Almaty"),
    ("Алматыда", "Almaty"), ("Астане", "Astana"), ("Астанада", "Астана"),
    ("Қасым-Жомарт", "Kassym-Jomart"), ("Касым-Жомарт", "Kassym-Jomart"), ("Есенов", "Yessenov"),
    ("Ахметова", "Akhmetova"), ("Усть-Каменогорске", "Өскемен"), ("Oskemen", "Өскеменде"),
    ("Айгерим", "Aigerim"), ("Жанаозен", "Zhanaozen"),
])
def test_names_match_across_cyrillic_russian_kazakh_and_latin(a, b):
    assert same_name(name_key(a), name_key(b))


@pytest.mark.parametrize("a, b", [("Алматы", "Астана"), ("Токаев", "Бектенов"),
                                  ("Шымкент", "Тараз"), ("Karaganda", "Kyzylorda")])
def test_different_names_do_not_match(a, b):
    assert not same_name(name_key(a), name_key(b))


def test_quotations_are_read_with_who_is_quoted():
    reading = read("«Все виновные понесут наказание», — заявил Токаев. Суд отложен.", "ru")
    assert reading.quotes == ("Все виновные понесут наказание",)
    assert reading.speakers == (("tokaev",),)


# ---- what is reported ----------------------------------------------------------------------------

def test_faithful_editions_split_reordered_and_shortened_report_nothing():
    pairs, findings = compare_story(story())
    assert findings == []
    en = next(p for p in pairs if p.right.language == "en" and p.left.language == "ru")
    assert en.shortened == ["right"]  # what English leaves out is omitted, not divergent
    assert {f["kind"] for f in en.omitted} == {"paragraph"}
    split = next(g for g in pairs[0].alignment.groups if 1 in g.left)  # ru and kk
    assert split.right == [1, 2]


def test_a_figure_that_differs_is_named_by_the_edition_that_says_it():
    en = list(EN)
    en[0] = "Ten protesters were detained in Almaty."
    en[2] = en[2].replace("12 people", "10 people")
    [finding] = findings_of(story(en=en))
    assert finding["kind"] == "figure" and finding["article_id"] == 3  # en, against ru and kk
    assert finding["values"] == ["10", "12"]
    assert finding["says"]["1"]["value"] == finding["says"]["2"]["value"] == "12"
    assert finding["paragraphs"]["1"] == ("ru", [0]) or finding["paragraphs"]["1"] == ("ru", [1])


def test_a_figure_is_compared_with_its_counterpart_across_a_merge_and_a_move():
    en = list(EN)
    en[3] = en[3].replace("KZT 1.5 billion", "KZT 1.7 billion")
    [finding] = findings_of(story(en=en))
    assert finding["values"] == ["1500000000", "1700000000"] and finding["class"] == "money"
    # the English paragraph holds two Russian ones (merged), and comes after a moved one
    assert finding["paragraphs"]["3"] == ("en", [3]) and finding["paragraphs"]["1"] == ("ru", [4, 5])


def test_a_quotation_only_in_one_edition():
    kk = list(KK)
    kk[5] += " «Ақша әр отбасыға жетуі керек», — деді әкім Ерболат Досаев."
    [finding] = findings_of(story(kk=kk))
    assert finding["kind"] == "quote" and finding["article_id"] == 2
    # the English edition is shortened: what it lacks of the Kazakh is not held against it
    assert finding["quote"] == "Ақша әр отбасыға жетуі керек" and finding["lacking"] == [1]


def test_a_paragraph_only_in_the_shortened_edition_is_reported():
    en = [*EN, "About 40 people were injured, the police said."]
    [finding] = findings_of(story(en=en))
    assert finding["kind"] == "paragraph" and finding["article_id"] == 3
    assert [f["value"] for f in finding["facts"]] == ["40"]


def test_what_a_shortened_edition_leaves_out_is_not_a_divergence():
    # the English edition has neither the paragraph of 2019 nor the plain one; nothing reported
    pairs, findings = compare_story([Edition(1, "ru", RU), Edition(3, "en", EN)])
    assert findings == [] and pairs[0].shortened == ["right"]


def test_an_edit_changes_facts_not_words():
    old = Edition(1, "ru", RU)
    new = Edition(1, "ru", [RU[0].replace("12", "14"), RU[1].replace("12 человек", "14 человек"),
                            *RU[2:4], RU[4].replace("сообщили", "рассказали"), *RU[5:]])
    [lead, paragraph] = edited_facts(old, new)
    assert [f["value"] for f in lead["removed"]] == ["12"] and lead["old_paragraph"] == 0
    assert [f["value"] for f in paragraph["added"]] == ["14"] and paragraph["new_paragraph"] == 1


# ---- the archive --------------------------------------------------------------------------------

IDS = {"ru": 501, "kk": 502, "en": 503}
T0 = "2026-03-02T06:00:00Z"


def at(hours: float) -> str:
    from storage.clock import parse_stamp, utc_iso

    return utc_iso(parse_stamp(T0) + timedelta(hours=hours))


def write(archive: Archive, language: str, paragraphs: list[str], when: str) -> None:
    others = [i for lang, i in IDS.items() if lang != language]
    article_id = IDS[language]
    record = ArticleRecord(
        article_id=article_id, language=language, url=f"https://vlast.kz/x/{article_id}-a.html",
        section="x", slug="a", title=f"Story {article_id}", lead=paragraphs[0],
        body=paragraphs[1:], published="2026-03-02T11:00:00+05:00",
        translations=[f"https://vlast.kz/x/{o}-a.html" for o in others])
    archive.record_page(None, record.url, 200, {}, b"<html></html>", record, when,
                        edition_ids=others)


def cli(db, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def divergent(tmp_path):
    """An archive of the story whose English edition says ten where the others say twelve."""
    db = tmp_path / "archive.db"
    en = [EN[0].replace("Twelve", "Ten"), EN[1], EN[2].replace("12 people", "10 people"), EN[3]]
    with Archive(db) as archive:
        for language, paragraphs in (("ru", RU), ("en", en), ("kk", KK)):
            write(archive, language, paragraphs, T0)
    return db


def test_a_divergence_is_stored_once_with_its_event(divergent):
    with Archive(divergent, readonly=True) as archive:
        rows = archive.db.execute("SELECT kind, article_id, others FROM divergences").fetchall()
        assert rows == [("figure", 503, "[501, 502]")]
        events = archive.db.execute(
            "SELECT article_id, kind FROM events WHERE kind = 'divergence'").fetchall()
        assert events == [(503, "divergence")]
        assert archive.db.execute("SELECT count(*) FROM edition_pairs").fetchone()[0] == 3


def test_story_compare_text_and_json(divergent):
    data = json.loads(cli(divergent, "story", "502", "--compare", "--json"))
    assert data["story"] == 501 and data["diverges"] and data["open"] == 1
    assert [e["language"] for e in data["editions"]] == ["ru", "kk", "en"]
    [finding] = data["findings"]
    assert finding["kind"] == "figure" and finding["language"] == "en"
    assert finding["summary"] == "en says 10; kk, ru say 12"
    pair = next(p for p in data["pairs"] if p["right"]["language"] == "en"
                and p["left"]["language"] == "ru")
    assert pair["shortened"] == [{"article_id": 503, "language": "en"}]
    assert ["По данным полиции" in " ".join(r["left"]) and "According to the police"
            in " ".join(r["right"]) for r in pair["rows"]].count(True) == 1
    text = cli(divergent, "story", "501", "--compare")
    assert "1 open divergence" in text and "[figure] en says 10; kk, ru say 12" in text
    assert "ru 501 | en 503 (en shortened)" in text
    plain = cli(divergent, "story", "501")
    assert "503" in plain and "story 501 --compare" in plain
    assert json.loads(cli(divergent, "story", "501", "--json"))["open"] == 1


def test_divergence_is_a_change_kind_for_changes_feeds_watches_and_status(divergent):
    items = json.loads(cli(divergent, "changes", "--since", "2026-01-01", "--kind", "divergence",
                           "--json"))
    assert [(i["article_id"], i["kinds"]) for i in items] == [(503, ["divergence"])]
    assert items[0]["divergence"] == "figures differ: en says 10; kk, ru say 12"
    feed = cli(divergent, "feed", "--kind", "divergence")
    assert feed.count("<entry>") == 1 and "/story/503#compare" in feed
    assert "figures differ: en says 10" in feed
    with Archive(divergent, readonly=True) as archive:
        [change] = change_log(archive.db, ChangeFilter(kinds=("divergence",)))
        assert change["divergence_id"] == 1
        assert change_log(archive.db, ChangeFilter(kinds=("headline",))) == []
    assert "editions: 1 story whose editions diverge (figure 1)" in cli(divergent, "status")
    assert json.loads(cli(divergent, "stats", "--json"))["divergence"]["stories"] == 1


def test_the_story_page_shows_the_comparison(divergent):
    from starlette.testclient import TestClient

    from web.app import create_app

    client = TestClient(create_app(str(divergent)), base_url="http://127.0.0.1:8000")
    page = client.get("/story/501")
    assert page.status_code == 200 and 'id="compare"' in page.text
    assert "figures differ</span> en 10 · kk, ru 12" in page.text
    assert client.get("/api/story/503").json()["compare"]["open"] == 1
    home = client.get("/?since=2026-01-01&kind=divergence")
    assert "/story/503#compare" in home.text and "figures differ: en 10 · kk, ru 12" in home.text
    assert "1 story whose editions diverge · figures differ 1" in client.get("/status").text
    russian = client.get("/story/501?ui=ru")
    assert "цифры расходятся</span> en 10 · kk, ru 12" in russian.text


def test_an_edit_not_carried_within_the_window_is_reported_a_carried_one_closes(tmp_path):
    db = tmp_path / "edits.db"
    with Archive(db) as archive:
        for language, paragraphs in (("ru", RU), ("kk", KK), ("en", EN)):
            write(archive, language, paragraphs, T0)
        edited_ru = [p.replace("12", "14") for p in RU]
        write(archive, "ru", edited_ru, at(1))  # 12 -> 14 at 07:00
        edits = archive.db.execute("SELECT article_id, other_id, status FROM edition_edits"
                                   " ORDER BY other_id").fetchall()
        assert edits == [(501, 502, "open"), (501, 503, "open")]
        write(archive, "kk", [p.replace("12", "14") for p in KK], at(2))  # carried in time
        assert archive.sweep_edits(at(6.5)) == 0  # within the window
        assert archive.sweep_edits(at(7.5)) == 1  # English still says 12 after 6 hours
        # while the edit is pending, 14 against 12 is the edit, not a divergent figure
        kinds = [r[0] for r in archive.db.execute("SELECT kind FROM divergences")]
        assert kinds == ["edit"]
        write(archive, "en", [p.replace("12", "14").replace("Twelve", "Fourteen") for p in EN],
              at(9))
    data = json.loads(cli(db, "story", "501", "--compare", "--json"))
    statuses = {(e["other"]["language"], e["status"], e["reported"]) for e in data["edits"]}
    assert statuses == {("kk", "carried", False), ("en", "carried", True)}
    [finding] = data["findings"]
    assert finding["kind"] == "edit" and finding["closed_how"] == "carried"
    assert finding["summary"].startswith("ru changed 12 → 14 at ")
    assert "en carried it only at" in finding["summary"]
    assert not data["diverges"]
    items = json.loads(cli(db, "changes", "--since", "2026-01-01", "--kind", "divergence",
                           "--json"))
    assert [i["article_id"] for i in items] == [501]


def test_an_edit_carried_late_is_reported_even_without_a_sweep_in_between(tmp_path):
    db = tmp_path / "late.db"
    with Archive(db) as archive:
        for language, paragraphs in (("ru", RU), ("en", EN)):
            write(archive, language, paragraphs, T0)
        write(archive, "ru", [p.replace("1,5 млрд", "1,8 млрд") for p in RU], at(1))
        write(archive, "en", [p.replace("1.5 billion", "1.8 billion") for p in EN], at(20))
        rows = archive.db.execute("SELECT kind, closed_how FROM divergences").fetchall()
    assert rows == [("edit", "carried")]


def test_a_migration_compares_the_stories_without_announcing_them(tmp_path, monkeypatch):
    from storage import divergence
    from storage.derived import rebuild

    db = tmp_path / "older.db"
    en = [EN[0].replace("Twelve", "Ten"), EN[1], EN[2].replace("12 people", "10 people"), EN[3]]
    with monkeypatch.context() as patch:  # archived as before editions were compared
        patch.setattr(divergence, "on_version", lambda *args, **kwargs: None)
        with Archive(db) as archive:
            for language, paragraphs in (("ru", RU), ("en", en), ("kk", KK)):
                write(archive, language, paragraphs, T0)
    with Archive(db) as archive:
        assert archive.db.execute("SELECT count(*) FROM divergences").fetchone()[0] == 0
        rebuild(archive.db, ["divergence"])
        assert archive.db.execute("SELECT kind, article_id FROM divergences").fetchall() == [
            ("figure", 503)]
        assert archive.db.execute(
            "SELECT count(*) FROM events WHERE kind = 'divergence'").fetchone()[0] == 0
        rebuild(archive.db, ["divergence"])  # again: nothing new
        assert archive.db.execute("SELECT count(*) FROM divergences").fetchone()[0] == 1


def test_a_single_edition_has_nothing_to_compare(tmp_path):
    db = tmp_path / "one.db"
    with Archive(db) as archive:
        record = ArticleRecord(article_id=9, language="ru", url="https://vlast.kz/x/9-a.html",
                               section="x", slug="a", title="Один", lead="", body=["Текст."])
        archive.record_page(None, record.url, 200, {}, b"", record, T0)
    assert "nothing to compare" in cli(db, "story", "9", "--compare")


# ---- the replay and the gate ----------------------------------------------------------------------

def test_the_replay_tells_stories_faithfully_or_with_their_truth():
    from replay.corpus import Corpus

    state = Corpus(180, seed=1).state(0)
    told = [a for a in state.articles.values() if a.telling]
    manifest = {a["id"]: a for a in state.manifest("http://x", 1)["articles"]}
    assert told and all(len(a.telling.languages) > 1 for a in told)
    kinds = {manifest[a.id]["telling"]["divergence"]["kind"] for a in told
             if manifest[a.id]["telling"]["divergence"]}
    assert kinds == {"figure", "paragraph", "quote"}
    by_story: dict[int, list] = {}
    for article in told:
        by_story.setdefault(article.story, []).append(article)
    for editions in by_story.values():
        if editions[0].telling.divergence is None:
            found = findings_of([Edition(a.id, a.language, [a.lead, *a.body()]) for a in editions])
            assert found == [], editions[0].telling


def test_the_replay_edits_one_edition_and_carries_it_late_or_never():
    from replay.corpus import Corpus

    corpus = Corpus(180, seed=1)
    plans = [c["story_edit"] for epoch in range(1, 6) for c in corpus.state(epoch).changes
             if "carry" in c.get("story_edit", {})]
    assert {p["carry"] for p in plans} == {"same", "next", "never"}
    late = [c for epoch in range(1, 6) for c in corpus.state(epoch).changes
            if c.get("story_edit", {}).get("late")]
    assert late and all(c["kind"] == "rewrite" for c in late)


def test_gate_precision_recall_and_faithful_stories_on_the_replays_truth():
    """The figures of docs/benchmarks.md on a smaller sample (bench/bench_editions.py)."""
    from bench.bench_editions import figures, met, score_edits, score_facts

    facts = score_facts(faithful=100, divergent=30, seed=5)
    edits = score_edits(40, seed=6)
    result = figures(facts, edits)
    assert met(result), result


def test_a_crawl_of_the_replay_finds_its_divergences_and_its_edits_not_carried(make_replay,
                                                                               tmp_path):
    """Real spiders against the replay on a clock a day per epoch: stories told divergent at
    epoch 0 are reported as their truth says, faithful ones are not, and of the figure edits of
    epoch 1 those carried at epoch 2 or never are reported as not carried, those carried at
    once are not."""
    import os

    from tests.commands import crawl

    site = make_replay(articles=60, seed=2)
    db = tmp_path / "replay.db"
    start = "2026-01-21T10:00:00+05:00"
    clocks = [start, "2026-01-22T10:00:00+05:00", "2026-01-23T10:00:00+05:00"]
    manifests = []
    for epoch, clock in enumerate(clocks):
        site.set_epoch(epoch)
        manifests.append(site.manifest())
        env = dict(os.environ, MEDIAWATCH_CLOCK=clock)
        crawl(site.base_url, db, env=env)
        if epoch:
            crawl(site.base_url, db, "--mode", "revisit", "--everything", env=env)
    articles = {a["id"]: a for a in manifests[0]["articles"]}
    stories: dict[int, list[dict]] = {}
    for article in articles.values():
        if article["telling"] and article["status"] == 200:
            stories.setdefault(article["story"], []).append(article)
    with Archive(db, readonly=True) as archive:
        found = archive.db.execute(
            "SELECT d.kind, d.article_id, a.language FROM divergences d JOIN articles a"
            " ON a.id = d.article_id WHERE d.kind != 'edit' AND d.found_at < '2026-01-22'"
        ).fetchall()
        edits = {(a, json.loads(o)[0]) for a, o in archive.db.execute(
            "SELECT article_id, others FROM divergences WHERE kind = 'edit'").fetchall()}
    by_article = {article_id: (kind, language) for kind, article_id, language in found}
    divergent = [editions for editions in stories.values()
                 if editions[0]["telling"]["divergence"] and len(editions) > 1]
    faithful = [editions for editions in stories.values()
                if not editions[0]["telling"]["divergence"] and len(editions) > 1]
    assert divergent and faithful
    for editions in faithful:
        assert not {e["id"] for e in editions} & set(by_article), editions[0]["story"]
    hits = 0
    for editions in divergent:
        truth = editions[0]["telling"]["divergence"]
        ids = {e["id"] for e in editions}
        reported = [by_article[i] for i in ids if i in by_article]
        assert all(kind == truth["kind"] for kind, _ in reported), (truth, reported)
        hits += any(truth["kind"] != "figure" and language == truth["language"]
                    or truth["kind"] == "figure" for _, language in reported)
    assert hits >= 0.8 * len(divergent)
    made = [c for c in manifests[1]["changes"] if "carry" in c.get("story_edit", {})]
    assert made
    expected = {(c["id"], other) for c in made if c["story_edit"]["carry"] != "same"
                for other in c["story_edit"]["others"]}
    assert expected and edits == expected


def test_a_divergence_found_in_a_misreading_is_taken_back_when_the_page_is_read_again(tmp_path):
    db = tmp_path / "reread.db"
    misread = [EN[0].replace("Twelve", "Ten"), EN[1], EN[2].replace("12 people", "10 people"),
               EN[3]]
    with Archive(db) as archive:
        write(archive, "ru", RU, T0)
        write(archive, "kk", KK, T0)
        write(archive, "en", misread, T0)
        assert archive.db.execute("SELECT count(*) FROM events WHERE kind = 'divergence'"
                                  ).fetchone()[0] == 1
        version_id = archive.article(503)["current_version_id"]
        record = ArticleRecord(
            article_id=503, language="en", url="https://vlast.kz/x/503-a.html", section="x",
            slug="a", title="Story 503", lead=EN[0], body=EN[1:],
            published="2026-03-02T11:00:00+05:00",
            translations=["https://vlast.kz/x/501-a.html", "https://vlast.kz/x/502-a.html"])
        archive.replace_reading(version_id, record, "better")
        assert archive.db.execute("SELECT kind, closed_how FROM divergences").fetchall() == [
            ("figure", "reread")]
        # the event stays (the evidence log keeps every event), out of every change list
        assert [c for c in archive.changes() if c["kinds"] == ["divergence"]] == []
        assert change_log(archive.db, ChangeFilter(kinds=("divergence",))) == []
    assert json.loads(cli(db, "changes", "--since", "2026-01-01", "--kind", "divergence",
                          "--json")) == []
    assert ": held" in cli(db, "verify")  # the evidence log holds, divergence events in it


def test_a_finding_waits_for_an_edition_the_pages_link_to_one_window_at_most(tmp_path):
    db = tmp_path / "waiting.db"
    en = [EN[0].replace("Twelve", "Ten"), EN[1], EN[2].replace("12 people", "10 people"), EN[3]]
    with Archive(db) as archive:
        write(archive, "ru", RU, T0)
        write(archive, "en", en, T0)  # both link the Kazakh edition, not archived yet
        assert archive.db.execute("SELECT count(*) FROM divergences").fetchone()[0] == 0
        archive.sweep_edits(at(5))
        assert archive.db.execute("SELECT count(*) FROM divergences").fetchone()[0] == 0
        archive.sweep_edits(at(7))  # the Kazakh edition never came: compared without it
        assert archive.db.execute("SELECT kind, article_id FROM divergences").fetchall() == [
            ("figure", 503)]
