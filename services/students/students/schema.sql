-- Idempotent: run at every start.
CREATE TABLE IF NOT EXISTS student (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a deleted id is never handed out again
    name TEXT NOT NULL,
    grade TEXT
);
