"""The SQLite connections: one per server thread, kept open for the thread's life.

Opening a connection per request costs more than the request itself: in WAL mode, closing the last
connection checkpoints and deletes the -wal and -shm files, and the next connection makes them again
(about 0.25 ms a request, measured). waitress has a fixed pool of threads, so one connection each
is a small, bounded pool.
"""

from __future__ import annotations

import sqlite3
import threading
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from flask import Flask, current_app, g


def connect(path: str, *, create: bool = False) -> sqlite3.Connection:
    # Requests open the file read-write but never create it: a database that vanished must make
    # /readyz fail, not be silently replaced by an empty one.
    mode = "rwc" if create else "rw"
    conn = sqlite3.connect(f"file:{quote(path)}?mode={mode}", uri=True, timeout=5.0)
    conn.row_factory = sqlite3.Row
    # With WAL, NORMAL survives the process being killed (kill -9): a commit is in the WAL file
    # once it returns. Only an OS crash or power loss may lose the last commits, which we accept.
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def init_db(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, create=True)
    try:
        conn.execute("PRAGMA journal_mode=WAL")  # persistent in the file; readers never block the writer
        conn.executescript(resources.files(__package__).joinpath("schema.sql").read_text())
    finally:
        conn.close()


_thread = threading.local()


def get_db() -> sqlite3.Connection:
    path = current_app.config["STUDENTS_DB"]
    conns: dict[str, sqlite3.Connection] = _thread.__dict__.setdefault("conns", {})
    if path not in conns:
        conns[path] = connect(path)
    g.db = conns[path]
    return g.db


def end_request(_exc: BaseException | None = None) -> None:
    # The connection outlives the request; a transaction must not.
    conn = g.pop("db", None)
    if conn is not None and conn.in_transaction:
        conn.rollback()


def init_app(app: Flask) -> None:
    init_db(app.config["STUDENTS_DB"])
    app.teardown_appcontext(end_request)
