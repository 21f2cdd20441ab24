"""The generated outlets of the capacity runs (replay/fleet.py): each its own site, with its own
stories, address and ground truth, served at once by one process."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from html import escape
from urllib.parse import urlsplit

import pytest

from replay.fleet import Fleet, make_outlet, outlet_name


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def fleet():
    with Fleet(4, articles=12, seed=2, spread=True) as running:
        yield running


def manifest(server) -> dict:
    return json.loads(get(server.base_url + "/_replay/manifest.json")[1])


def test_each_outlet_has_an_address_and_a_name_of_its_own(fleet):
    hosts = [urlsplit(server.base_url).hostname for server in fleet.servers.values()]
    assert hosts == ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
    assert list(fleet.servers) == ["ledger-001", "agency-002", "ledger-003", "agency-004"]
    assert [manifest(server)["outlet"] for server in fleet.servers.values()] == list(fleet.servers)


def test_outlets_of_one_model_tell_different_stories(fleet):
    first, second = manifest(fleet["ledger-001"]), manifest(fleet["ledger-003"])
    titles = [{a["title"] for a in truth["articles"]} for truth in (first, second)]
    assert titles[0] and not titles[0] & titles[1]
    assert manifest(fleet["agency-002"])["key"] == "id"
    assert first["key"] == "url"


def test_each_outlet_serves_its_own_truth_at_real_weight_and_counts_it(fleet):
    for name, server in fleet.servers.items():
        truth = next(a for a in manifest(server)["articles"] if a["status"] == 200)
        before = json.loads(get(server.base_url + "/_replay/served")[1])
        status, body = get(truth["url"])
        assert status == 200
        assert escape(truth["title"], quote=False) in body.decode()
        assert len(body) > 50_000  # styles, scripts and icons around the article, as real pages
        target = truth["url"].removeprefix(server.base_url)
        other = next(s for n, s in fleet.servers.items() if n != name and
                     n.split("-")[0] == name.split("-")[0])
        elsewhere = get(other.base_url + target)[1]  # the same address on its twin
        assert escape(truth["title"], quote=False) not in elsewhere.decode()
        after = json.loads(get(server.base_url + "/_replay/served")[1])
        assert after["requests"] == before["requests"] + 1
        assert after["bytes"] == before["bytes"] + len(body)


def test_the_same_number_and_seed_make_the_same_outlet():
    first, second = make_outlet(7, 15, seed=3), make_outlet(7, 15, seed=3)
    assert first.manifest("http://x") == second.manifest("http://x")
    assert outlet_name(7) == first.profile.name == "ledger-007"
    assert make_outlet(7, 15, seed=4).manifest("http://x") != first.manifest("http://x")
