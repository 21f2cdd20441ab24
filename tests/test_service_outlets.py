"""The crawl service over several outlets, run for real against replays: each outlet's jobs,
a failing outlet that holds up no other, one host's pace shared by two outlets, and an added
outlet's revisit policy and removed articles."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_scheduler import ROOM, runs, start_service, stop_service, wait_for

from outlets import Outlet
from outlets.definition import Articles, Edition
from outlets.files import load, save
from replay.sites import Replays
from storage import notes
from storage.archive import Archive
from storage.outlets import known_id
from web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
FAST = ("--new-interval", "2", "--revisit-interval", "2", "--sweep-interval", "3600")


def mediawatch(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def add(server, name: str, db: Path) -> None:
    mediawatch("outlet", "add", server.base_url, "--name", name, "--db", str(db))


def finished(db: Path, outlet: str | None, mode: str, after: int = 0) -> set[str]:
    """The editions of the outlet with a finished run of `mode` (after run `after`)."""
    return {edition for run in runs(db) if run["id"] > after and run.get("outlet") == outlet
            and run["mode"] == mode and run["status"] != "running"
            for edition in run["editions"]}


def arrivals(server, seen: list[tuple[float, str]], label: str) -> None:
    """Record the time of each request the replay receives from now on, with `label`."""
    pick = server.app.faults.pick

    def recording(path: str):
        seen.append((time.monotonic(), label))
        return pick(path)

    server.app.faults.pick = recording


def failing_status(db: Path, *outlets: str) -> str | None:
    """`mediawatch status` once it shows a failing job of each of the outlets."""
    text = mediawatch("status", "--db", str(db)).stdout
    return text if all(f"failing: {outlet}:" in text for outlet in outlets) else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_service_crawls_the_default_and_an_added_outlet(tmp_path):
    db = tmp_path / "archive.db"
    with Replays(["vlast", "agency"], articles=30, seed=3) as replays:
        add(replays["agency"], "dala", db)
        listing = mediawatch("schedule", "--list", "--db", str(db), "--utc").stdout
        jobs = [line.split()[0] for line in listing.splitlines()[1:]]
        assert sorted(jobs) == sorted(
            [f"{kind}-{edition}" for kind in ("new", "revisit", "sweep")
             for edition in ("ru", "kk", "en")]
            + [f"dala:{kind}-{edition}" for kind in ("new", "revisit", "sweep")
               for edition in ("ru", "kk")])
        only = mediawatch("schedule", "--list", "--outlet", "dala", "--db", str(db)).stdout
        assert len(only.splitlines()) == 7 and all(
            line.startswith("dala:") for line in only.splitlines()[1:])

        service = start_service(replays["vlast"].base_url, db, *FAST)
        try:
            wait_for(lambda: finished(db, None, "new") == {"ru", "kk", "en"}
                     and finished(db, "dala", "new") == {"ru", "kk"}, "both outlets' new runs")
            status = mediawatch("status", "--db", str(db)).stdout
        finally:
            output = stop_service(service)
        manifests = {name: replays[name].manifest() for name in ("vlast", "agency")}
    assert "dala:new-kk: run" in output and "new-en: run" in output
    assert "crawling vlast (" in status and "dala (" in status and "dala:new-ru" in status
    with Archive(db) as archive:
        vlast = {row[0] for row in archive.db.execute(
            "SELECT id FROM articles WHERE outlet IS NULL")}
        dala = {row[0] for row in archive.db.execute(
            "SELECT id FROM articles WHERE outlet = 'dala'")}
        live = [a for a in manifests["agency"]["articles"] if a["status"] == 200]
        assert {known_id(archive.db, "dala", str(a["key"])) for a in live} == dala
    assert vlast == {a["id"] for a in manifests["vlast"]["articles"] if a["status"] == 200}
    assert all(run["status"] in ("ok", "stopped") for run in runs(db)), runs(db)


def test_a_failing_outlet_holds_up_no_other(tmp_path):
    db = tmp_path / "archive.db"
    with Replays(["vlast", "agency"], articles=30, seed=3) as replays:
        add(replays["agency"], "dala", db)
        # A second outlet whose server is gone: its crawls fail at once.
        folder = tmp_path / "archive.outlets"
        dead = load(folder / "dala.toml")
        save(type(dead)(**{**dead.__dict__, "name": "dead",
                           "home": f"http://127.0.0.1:{free_port()}"}), folder / "dead.toml")
        # The agency's feed answers after a minute: its crawls hang to their time limit.
        replays["agency"].set_faults([{"kind": "slow", "path": "/rss/", "seconds": 60}])
        service = start_service(replays["vlast"].base_url, db, *FAST, "--time-limit", "15",
                                "--max-crawls", "3")
        try:
            wait_for(lambda: any(run["status"] == "timeout" and run.get("outlet") == "dala"
                                 for run in runs(db)), "the hanging outlet's time limit")
            status = wait_for(lambda: failing_status(db, "dala", "dead"),
                              "the failing outlets in the status")
            page = TestClient(create_app(str(db)), base_url=ROOM).get("/status").text
        finally:
            stop_service(service)
    hung = next(run for run in runs(db) if run["status"] == "timeout")
    # While the agency's crawl hung, the default outlet's crawls went on.
    during = [run for run in runs(db) if run.get("outlet") is None and run["status"] == "ok"
              and hung["started_at"] <= run["started_at"] <= run["finished_at"]
              <= hung["finished_at"]]
    assert len(during) >= 2, runs(db)
    assert "time limit" in status
    assert "could not reach http://127.0.0.1" in status
    assert "Jobs failing now" in page and "Outlets it crawls: vlast, dala, dead." in page
    assert "dead:new-ru" in page and "dala:new-" in page
    assert not [run for run in runs(db) if run.get("outlet") is None
                and run["status"] not in ("ok", "stopped")]


def test_two_outlets_on_one_host_share_its_pace(tmp_path):
    db = tmp_path / "archive.db"
    delay = 0.3
    env = {**os.environ, "MEDIAWATCH_HOST_DELAY": str(delay),
           "MEDIAWATCH_LOCK_DIR": str(tmp_path / "locks")}
    seen: list[tuple[float, str]] = []
    with Replays(["agency", "ledger"], articles=12, seed=3) as replays:
        assert replays["agency"].base_url.split(":")[1] == replays["ledger"].base_url.split(":")[1]
        add(replays["agency"], "dala", db)
        add(replays["ledger"], "ledger", db)
        for name in ("agency", "ledger"):
            arrivals(replays[name], seen, name)
        service = subprocess.Popen(
            [sys.executable, "-m", "cli", "schedule", "--db", str(db), "--new-interval", "3600",
             "--revisit-interval", "3600", "--sweep-interval", "3600"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: finished(db, "dala", "new") == {"ru", "kk"}
                     and finished(db, "ledger", "new") == {"en"}, "both outlets' new runs")
        finally:
            service.terminate()
            service.wait(timeout=60)
    seen.sort()
    gaps = [later[0] - earlier[0] for earlier, later in zip(seen, seen[1:], strict=False)]
    assert len(seen) > 20
    # (a request's arrival is seen by the replay's thread some milliseconds after it is sent)
    assert min(gaps) >= delay * 0.75, sorted(gaps)[:5]
    # The two outlets were crawled at the same time, taking turns at the host.
    turns = sum(1 for earlier, later in zip(seen, seen[1:], strict=False)
                if earlier[1] != later[1])
    assert turns >= 6, seen


def test_an_added_outlet_keeps_its_revisit_policy_and_sees_removals_and_restorations(tmp_path):
    db = tmp_path / "archive.db"
    with Replays(["agency"], articles=30, seed=3) as replays:
        server = replays["agency"]
        add(server, "dala", db)
        definition = tmp_path / "archive.outlets" / "dala.toml"
        definition.write_text(definition.read_text(encoding="utf-8")
                              + "\n[revisit]\nsteps = [0]\n", encoding="utf-8")
        mediawatch("crawl", "--outlet", "dala", "--mode", "backfill", "--db", str(db))
        outcomes, changes = {}, {}
        for epoch in (1, 2):
            server.set_epoch(epoch)
            changes[epoch] = server.manifest()["changes"]
            done = json.loads(mediawatch("crawl", "--outlet", "dala", "--mode", "revisit",
                                         "--db", str(db), "--json").stdout)
            outcomes[epoch] = done["totals"]
            with Archive(db) as archive:
                outcomes[epoch]["removed_ids"] = {row[0] for row in archive.db.execute(
                    "SELECT k.key FROM outlet_keys k JOIN articles a ON a.id = k.id"
                    " WHERE a.status != 'active'")}
    def keys(epoch: int, kind: str) -> set[str]:
        return {str(change["key"]) for change in changes[epoch] if change["kind"] == kind}

    # Every article was due at once (the outlet's own steps), not in ten minutes (adaptive).
    assert outcomes[1]["fetched"] >= 25
    assert keys(1, "removed") and outcomes[1]["removed"] == len(keys(1, "removed"))
    assert outcomes[1]["removed_ids"] == keys(1, "removed")
    assert keys(2, "restored") and outcomes[2]["restored"] == len(keys(2, "restored"))
    assert outcomes[2]["removed_ids"] == keys(1, "removed") - keys(2, "restored") | keys(
        2, "removed")


def test_a_host_turn_is_taken_only_when_it_has_come(tmp_path):
    from crawler.pacing import take_turn
    from storage.locks import lock_dir, use_lock_dir

    previous = lock_dir()  # the session's folder, which the tests after this one share
    use_lock_dir(tmp_path)
    try:
        assert take_turn("news.example.kz", 1.0, now=100.0) == 0
        # taken: wait, and nothing is taken meanwhile; one host however its name is written
        assert take_turn("news.example.kz", 1.0, now=100.4) == pytest.approx(0.6)
        assert take_turn("NEWS.example.kz", 1.0, now=100.6) == pytest.approx(0.4)
        assert take_turn("other.example.kz", 1.0, now=100.6) == 0  # another host: its own turns
        assert take_turn("news.example.kz", 1.0, now=101.0) == 0
        assert take_turn("news.example.kz", 1.0, now=101.5) == pytest.approx(0.5)
        # A turn written under a clock far ahead is not waited for.
        assert take_turn("news.example.kz", 1.0, now=10.0) == 0
    finally:
        use_lock_dir(previous)


def test_the_service_is_given_its_outlets_from_python(tmp_path):
    from outlets import default_outlet
    from scheduler import ServiceConfig, list_jobs

    ledger = Outlet(name="ledger", home="http://127.0.0.1:9", editions=(Edition("en"),),
                    articles=Articles(patterns=(r"^/\d{4}/",)))
    desk = Outlet(name="desk", home="http://127.0.0.1:10",
                  editions=(Edition("ru", default=True), Edition("kk", query="lang=kz")),
                  articles=Articles(patterns=(r"^/n/",)))
    config = ServiceConfig(db=str(tmp_path / "archive.db"), outlets=(ledger, desk),
                           new_interval=60, revisit_interval=60, sweep_interval=60)
    jobs = list_jobs(config)
    assert sorted(job["job"] for job in jobs) == sorted(
        f"{outlet}:{kind}-{edition}" for kind in ("new", "revisit", "sweep")
        for outlet, edition in (("ledger", "en"), ("desk", "ru"), ("desk", "kk")))
    assert not (tmp_path / "archive.db").exists()  # listing reads, never makes, the archive
    config.outlets = (default_outlet(), desk)
    config.only, config.editions = ("desk", "vlast"), ("ru",)
    assert sorted(job["job"] for job in list_jobs(config)) == [
        "desk:new-ru", "desk:revisit-ru", "desk:sweep-ru", "new-ru", "revisit-ru", "sweep-ru"]
    config.only = ("nowhere",)
    with pytest.raises(ValueError, match="no outlet named 'nowhere'; the outlets are vlast, desk"):
        list_jobs(config)


def test_a_definition_that_cannot_be_read_stops_no_other_outlet(tmp_path):
    folder = tmp_path / "archive.outlets"
    folder.mkdir()
    (folder / "broken.toml").write_text('name = "broken"\nhome = "https://x.example"\n',
                                        encoding="utf-8")
    listing = mediawatch("schedule", "--list", "--db", str(tmp_path / "archive.db")).stdout
    lines = listing.splitlines()
    assert len([line for line in lines if line.startswith(("new-", "revisit-", "sweep-"))]) == 9
    assert lines[-1] == (f"not crawled: {folder / 'broken.toml'}.articles.patterns: at least one "
                         "pattern is required")


@pytest.mark.parametrize(("table", "error"), [
    ('policy = "sometimes"', r"x\.toml\.revisit\.policy: 'sometimes' must be one of adaptive, steps"),
    ("steps = [60, -1]", r"x\.toml\.revisit\.steps: must be a list of whole seconds"),
    ('policy = "adaptive"\nsteps = [60]', r"x\.toml\.revisit\.steps: steps are for policy"),
    ("every = 5", r"x\.toml\.revisit: unknown key 'every'"),
])
def test_a_revisit_table_that_cannot_be_used_says_where(table, error):
    from outlets.definition import DefinitionError
    from outlets.files import loads

    text = 'name = "x"\nhome = "https://x.example"\n[articles]\npatterns = ["^/a/"]\n'
    with pytest.raises(DefinitionError, match=error):
        loads(f"{text}[revisit]\n{table}\n", "x.toml")


def test_a_revisit_table_is_written_and_read_back():
    from outlets.files import dumps, loads

    text = ('name = "x"\nhome = "https://x.example"\n[articles]\npatterns = ["^/a/"]\n'
            "[revisit]\nsteps = [600, 3600]\n")
    outlet = loads(text, "x.toml")
    assert (outlet.revisit.policy, outlet.revisit.steps) == ("steps", (600, 3600))
    assert loads(dumps(outlet), "x.toml") == outlet


def status_of(db: Path) -> str:
    return mediawatch("status", "--db", str(db)).stdout


def planned_jobs(db: Path) -> list[str]:
    """The jobs of the service's plan as it last recorded it."""
    with Archive(db) as archive:
        return [job["job"] for job in notes.service_plan(archive.db)["next_runs"]]


def test_the_running_service_takes_up_added_edited_broken_and_removed_outlets(tmp_path):
    db = tmp_path / "archive.db"
    definition = tmp_path / "archive.outlets" / "dala.toml"
    with Replays(["vlast", "agency"], articles=12, seed=3) as replays:
        service = start_service(replays["vlast"].base_url, db, "--edition", "ru",
                                "--edition", "kk", "--new-interval", "2",
                                "--revisit-interval", "3600", "--sweep-interval", "3600",
                                "--reload-interval", "0.5")
        try:
            wait_for(lambda: finished(db, None, "new") == {"ru", "kk"}, "the default's runs")
            add(replays["agency"], "dala", db)
            wait_for(lambda: finished(db, "dala", "new") == {"ru", "kk"}, "the added outlet's runs")
            assert "dala:new-kk" in status_of(db)

            # A typo: the error shown, the definition in use kept and crawled.
            good, outlet = definition.read_text(encoding="utf-8"), load(definition)
            definition.write_text(good.replace("[articles]", "[articles"), encoding="utf-8")
            broken = wait_for(lambda: "not crawled: " in (text := status_of(db)) and text,
                              "the unusable definition in the status")
            page = TestClient(create_app(str(db)), base_url=ROOM).get("/status").text
            assert "Outlets not crawled: their definitions do not read" in page
            assert str(definition) in page.split('class="unusable"')[1].split("</ul>")[0]
            last = max(run["id"] for run in runs(db))
            wait_for(lambda: finished(db, "dala", "new", after=last) == {"ru", "kk"},
                     "the previous definition's runs")

            # An edit: its kk edition gone, so are its kk jobs; its ru edition crawled.
            save(replace(outlet, editions=tuple(
                edition for edition in outlet.editions if edition.language != "kk")), definition)
            edited = wait_for(lambda: "dala:new-kk" not in (text := status_of(db))
                              and "not crawled" not in text and text, "the edited definition")
            last = max(run["id"] for run in runs(db))
            wait_for(lambda: finished(db, "dala", "new", after=last) == {"ru"},
                     "the edited definition's runs")

            mediawatch("outlet", "remove", "dala", "--db", str(db))
            wait_for(lambda: not [job for job in planned_jobs(db) if job.startswith("dala:")],
                     "the removed outlet's jobs gone")
            removed = status_of(db)
            with Archive(db) as archive:
                plan = notes.service_plan(archive.db)
        finally:
            output = stop_service(service)
    assert "dala:new-ru" in broken and "dala.toml" in broken.split("not crawled: ")[1]
    assert "dala:new-ru" in edited and "dala:sweep-ru" in edited
    assert "new-ru" in removed and "new-kk" in removed and " dala:" not in removed, removed
    assert not [job for job in plan["next_runs"] if job["job"].startswith("dala:")]
    assert plan["unusable_outlets"] == [] and [o["name"] for o in plan["outlets"]] == ["vlast"]
    lines = output.splitlines()
    for change in ("outlet added: dala", "outlet changed: dala", "outlet removed: dala"):
        assert len([line for line in lines if change in line]) == 1, output
    assert len([line for line in lines if "outlet definition unusable" in line]) == 1, output
    assert all(run["status"] in ("ok", "stopped") for run in runs(db)), runs(db)


def test_a_reading_of_the_outlets_folder_keeps_to_the_narrowing(tmp_path):
    from scheduler import CrawlService, ServiceConfig

    folder = tmp_path / "outlets"
    desk = Outlet(name="desk", home="http://127.0.0.1:10",
                  editions=(Edition("ru", default=True), Edition("kk", query="lang=kz")),
                  articles=Articles(patterns=(r"^/n/",)))
    ledger = Outlet(name="ledger", home="http://127.0.0.1:9", editions=(Edition("en"),),
                    articles=Articles(patterns=(r"^/\d{4}/",)))
    save(desk, folder / "desk.toml")
    narrowed = CrawlService(ServiceConfig(db=str(tmp_path / "a.db"), outlets_dir=str(folder),
                                          only=("desk",), editions=("kk",)))
    every = CrawlService(ServiceConfig(db=str(tmp_path / "b.db"), outlets_dir=str(folder)))
    for service in (narrowed, every):  # (its scheduler not started: its plan not recorded)
        service.record_plan = lambda *args, **kwargs: None
        service.add_jobs()

    def jobs(service: CrawlService) -> list[str]:
        return sorted(job.id for job in service.scheduler.get_jobs() if job.id != "reload-outlets")

    assert jobs(narrowed) == ["desk:new-kk", "desk:revisit-kk", "desk:sweep-kk"]
    save(ledger, folder / "ledger.toml")
    (folder / "desk.toml").unlink()
    for service in (narrowed, every):
        service.reload_outlets()
    assert jobs(narrowed) == []  # its one outlet gone: not an error, nothing else taken up
    assert [job for job in jobs(every) if ":" not in job] == [
        f"{kind}-{edition}" for kind in ("new", "revisit", "sweep") for edition in ("en", "kk", "ru")]
    assert [job for job in jobs(every) if ":" in job] == [
        "ledger:new-en", "ledger:revisit-en", "ledger:sweep-en"]
    save(desk, folder / "desk.toml")
    narrowed.reload_outlets()
    assert jobs(narrowed) == ["desk:new-kk", "desk:revisit-kk", "desk:sweep-kk"]
    read = every.by_name["ledger"].outlet
    (folder / "ledger.toml").write_text('name = "ledger"\n', encoding="utf-8")
    every.reload_outlets()  # a broken file: the definition read before kept
    assert "ledger:new-en" in jobs(every) and "desk:new-ru" in jobs(every)
    assert every.by_name["ledger"].outlet is read
    assert len(every.problems) == 1 and "ledger.toml" in every.problems[0]
