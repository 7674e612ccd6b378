"""?limit=&offset= for list endpoints: default 100, at most 500, anything else is a 400.

Grades parses them the same way: ASCII digits only (no sign, space, "_" or other scripts' digits,
all of which int() would take), and an empty value means the default.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import ApiError

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 10**18 - 1  # below SQLite's 64-bit OFFSET, and 18 digits at most


def _int(args: Mapping[str, str], name: str, default: int, lo: int, hi: int, fields: dict[str, list[str]]) -> int:
    raw = args.get(name, "")
    if not raw:
        return default
    # Past 18 digits it is out of range anyway, and int() of thousands of digits is slow: no int() then.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18 and lo <= int(raw) <= hi):
        fields[name] = [f"must be an integer from {lo} to {hi}"]
        return default
    return int(raw)


def parse_page(args: Mapping[str, str]) -> tuple[int, int]:
    fields: dict[str, list[str]] = {}
    limit = _int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, fields)
    offset = _int(args, "offset", 0, 0, MAX_OFFSET, fields)
    if fields:
        raise ApiError(400, "invalid page", fields)
    return limit, offset
