"""Private files in the user data folder (`pipeline.paths.data_dir`), and a tiny SQLite key -> JSON store.

The store is what makes network work resumable: fetched pages and audio features are
written as soon as they arrive, one committed row each, so an interrupted run loses
nothing and the next run skips what it already has. Files are private to the user
(0600): they hold the user's library and, for the CLI, a Spotify token.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable, Mapping


def create_private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only, if it does not exist yet."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def write_private_text(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``; the file is 0600 from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(partial, path)


class JsonStore:
    """A persistent mapping of string keys to JSON values, with the time each was stored.

    Each `put` commits at once, so whatever was stored survives a crash or Ctrl-C.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        create_private_file(self.path)
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        # WAL + NORMAL: each commit survives the process being killed, without an fsync per page.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS entries "
                         "(key TEXT PRIMARY KEY, value TEXT NOT NULL, stored_at REAL NOT NULL)")
        self._db.commit()

    def get(self, key: str) -> Any | None:
        row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[Any, float]]:
        """``key -> (value, stored_at)`` for the keys present."""
        keys = list(keys)
        found: dict[str, tuple[Any, float]] = {}
        for start in range(0, len(keys), 500):  # SQLite caps the number of bound parameters
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for key, value, stored_at in self._db.execute(
                    f"SELECT key, value, stored_at FROM entries WHERE key IN ({marks})", chunk):
                found[key] = (json.loads(value), stored_at)
        return found

    def put(self, key: str, value: Any) -> None:
        self.put_many({key: value})

    def put_many(self, values: Mapping[str, Any]) -> None:
        now = time.time()
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                                 [(key, json.dumps(value), now) for key, value in values.items()])

    def delete_prefix(self, prefix: str, keep_prefix: str | None = None) -> None:
        """Forget entries under ``prefix`` (except those under ``keep_prefix``)."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._db:
            if keep_prefix is None:
                self._db.execute("DELETE FROM entries WHERE key LIKE ? ESCAPE '\\'", (pattern,))
            else:
                self._db.execute("DELETE FROM entries WHERE key LIKE ? ESCAPE '\\' AND substr(key, 1, ?) != ?",
                                 (pattern, len(keep_prefix), keep_prefix))

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]

    def close(self) -> None:
        self._db.close()
