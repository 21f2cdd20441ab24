"""Shared fixtures: the local replay of the outlet, served over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from replay.server import ReplayServer


@pytest.fixture(scope="session")
def replay_server() -> Iterator[ReplayServer]:
    """One replay for the whole session: 180 articles, seed 1, epoch 0, no faults.

    It has `.base_url`, `.set_epoch(k)`, `.manifest()`, `.set_faults(list)`, `.clear_faults()`.
    A test that moves its epoch or sets faults must call `replay_server.reset()` when done
    (or use `make_replay` for a server of its own).
    """
    server = ReplayServer(articles=180, seed=1).start()
    yield server
    server.stop()


@pytest.fixture
def make_replay() -> Iterator[Callable[..., ReplayServer]]:
    """Factory of servers of the test's own: `make_replay(articles=60, seed=2, epoch=0,
    faults=None, redesign_epoch=None)`; all are stopped after the test."""
    servers: list[ReplayServer] = []

    def make(articles: int = 180, seed: int = 1, epoch: int = 0,
             faults: list | None = None, redesign_epoch: int | None = None) -> ReplayServer:
        server = ReplayServer(articles=articles, seed=seed, epoch=epoch, faults=faults,
                              redesign_epoch=redesign_epoch).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def manifest_kinds(change: dict) -> list[str]:
    """The kinds the archive records for one change of the replay's manifest.

    A content change the newsroom did not stamp with a new modified date is also `stealth`.
    """
    return [change["kind"], *(["stealth"] if change.get("stealth") else [])]


def manifest_pairs(changes: list[dict]) -> set[tuple[int, str]]:
    """(article id, kind) of every kind the archive records for these manifest changes."""
    return {(c["id"], kind) for c in changes for kind in manifest_kinds(c)}
