"""The state a real room leaves, for tests: a data folder the app can be pointed at.

``build_room(data_dir)`` seeds ``data_dir/comments.sqlite3`` (the layout the app uses under
``DIORAMA_DATA_DIR``) with :func:`geo.samples_comments.seed_room`. ``room_fixture(...)`` makes
a module-scoped fixture of it for any test module::

    from room import room_fixture

    room = room_fixture(n_comments=2000)

    def test_something(room, monkeypatch):
        monkeypatch.setenv("DIORAMA_DATA_DIR", str(room.data_dir))
        assert room.summary.counts.comments == 2000
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from geo.participation.store import SQLITE_FILENAME, Store, open_store
from geo.samples.comments import RoomSummary, seed_room

#: The present of every seeded room (comments are dated in the 300 days before it).
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def build_room(data_dir: Path, *, n_comments: int = 5000, seed: int = 0,
               with_workshop: bool = True, now: datetime = NOW) -> RoomSummary:
    """Seed ``data_dir/comments.sqlite3`` and return what was written.

    Parameters
    ----------
    data_dir
        The folder the app would be given as ``DIORAMA_DATA_DIR`` (created if missing).
    n_comments, seed, with_workshop, now
        As for :func:`geo.samples_comments.seed_room`.

    Returns
    -------
    RoomSummary
        Ids of the notable comments, the workshop's tokens, counts.
    """
    path = Path(data_dir) / SQLITE_FILENAME  # explicit: DIORAMA_DATABASE_URL must not win
    store = open_store(path, rate_limit=None, synchronous="NORMAL")
    try:
        return seed_room(store, city="maebashi", n_comments=n_comments, seed=seed,
                         with_workshop=with_workshop, now=now)
    finally:
        store.close()


@dataclass(frozen=True)
class Room:
    """A seeded data folder.

    Attributes
    ----------
    data_dir
        The folder (``DIORAMA_DATA_DIR``).
    summary
        What :func:`build_room` returned.
    seconds
        How long seeding took.
    """

    data_dir: Path
    summary: RoomSummary
    seconds: float = 0.0

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self.data_dir / SQLITE_FILENAME

    def open(self, **options: Any) -> Store:
        """Open the room's store (close it after use)."""
        return open_store(self.path, **options)

    def env(self) -> dict[str, str]:
        """Environment that points the app at this room."""
        return {"DIORAMA_DATA_DIR": str(self.data_dir)}


def room_fixture(*, n_comments: int = 2000, seed: int = 0,
                 with_workshop: bool = True) -> Callable[..., Iterator[Room]]:
    """A module-scoped fixture yielding a :class:`Room` seeded once per test module.

    Assign it to a module-level name; that name is the fixture's name (``room = room_fixture()``).
    Tests must not change the room's database, or must tolerate each other's changes.
    """

    @pytest.fixture(scope="module")
    def _room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
        data_dir = tmp_path_factory.mktemp("room")
        start = time.perf_counter()
        summary = build_room(data_dir, n_comments=n_comments, seed=seed,
                             with_workshop=with_workshop)
        yield Room(data_dir=data_dir, summary=summary, seconds=time.perf_counter() - start)

    return _room
