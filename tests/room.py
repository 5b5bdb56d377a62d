"""The state a real room leaves, for journey tests: a data folder the app can be pointed at."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from geo.samples_comments import RoomSummary, seed_room
from geo.store import open_store

#: The present of every seeded room (comments are dated before it).
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def build_room(data_dir: Path, *, n_comments: int = 5000, seed: int = 0) -> RoomSummary:
    """Seed ``data_dir/comments.sqlite3`` (the app's layout under ``DIORAMA_DATA_DIR``)."""
    store = open_store(str(data_dir), rate_limit=None)
    try:
        return seed_room(store, city="maebashi", n_comments=n_comments, seed=seed, now=NOW)
    finally:
        store.close()
