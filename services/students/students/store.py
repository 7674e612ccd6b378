"""The SQL for the student resource. Functions take a connection and return plain dicts."""

from __future__ import annotations

import sqlite3
from typing import Any

Student = dict[str, Any]
MAX_ID = 2**63 - 1  # SQLite's integer range: a larger id cannot exist (and would overflow the binding)

COLUMNS = "id, name, grade"


def list_page(conn: sqlite3.Connection, limit: int, offset: int) -> tuple[list[Student], int]:
    rows = conn.execute(f"SELECT {COLUMNS} FROM student ORDER BY id LIMIT ? OFFSET ?", (limit, offset))
    students = [dict(row) for row in rows]
    (total,) = conn.execute("SELECT count(*) FROM student").fetchone()
    return students, total


def get(conn: sqlite3.Connection, student_id: int) -> Student | None:
    if student_id > MAX_ID:
        return None
    row = conn.execute(f"SELECT {COLUMNS} FROM student WHERE id = ?", (student_id,)).fetchone()
    return dict(row) if row else None


def create(conn: sqlite3.Connection, name: str, grade: str | None) -> Student:
    with conn:
        cursor = conn.execute("INSERT INTO student (name, grade) VALUES (?, ?)", (name, grade))
    return {"id": cursor.lastrowid, "name": name, "grade": grade}


def update(conn: sqlite3.Connection, student_id: int, fields: dict[str, str | None]) -> Student | None:
    if student_id > MAX_ID:
        return None
    assignments = ", ".join(f"{column} = ?" for column in fields)  # column names come from validation, not the client
    with conn:
        rows = conn.execute(
            f"UPDATE student SET {assignments} WHERE id = ? RETURNING {COLUMNS}", (*fields.values(), student_id)
        ).fetchall()  # drain the statement before the commit
    return dict(rows[0]) if rows else None


def delete(conn: sqlite3.Connection, student_id: int) -> bool:
    if student_id > MAX_ID:
        return False
    with conn:
        return conn.execute("DELETE FROM student WHERE id = ?", (student_id,)).rowcount == 1
