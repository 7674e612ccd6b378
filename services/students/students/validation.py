"""Reading and checking a student body, JSON or form-encoded (the chapter's front end posts forms).

Fields: `name` required, 1-80 characters after trimming; `grade` optional, up to 20 characters,
and an empty grade is stored as null ("no grade yet"). Neither may hold control characters or lone
surrogates. `id` and any other field are ignored: the server alone assigns ids.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from flask import request

from .errors import ApiError

NAME_MAX = 80
GRADE_MAX = 20
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def read_body() -> dict[str, Any]:
    if request.mimetype in FORM_TYPES:
        return request.form.to_dict()
    raw = request.get_data()  # past MAX_CONTENT_LENGTH this raises 413, whatever the content type
    if request.is_json:
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep, still under 64 KiB
            raise ApiError(400, "malformed JSON body") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the JSON body must be an object")
        return data
    if not request.mimetype and not raw:
        return {}
    raise ApiError(400, f"unsupported content type {request.mimetype!r}: send JSON or form fields")


# Cc: C0 and C1 controls and DEL (NUL, newlines, escapes), which no name or grade id holds and which
# would reach HTML, logs and the other services; Cs: a lone surrogate, which JSON's \ud800 escape can
# carry but UTF-8, and so SQLite, cannot encode.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs"})


def _has_unsafe_characters(value: str) -> bool:
    return any(unicodedata.category(char) in _UNSAFE_CATEGORIES for char in value)


def _text(value: Any, limit: int) -> tuple[str | None, list[str]]:
    """A trimmed string (None stays None) and what is wrong with it."""
    if value is None:
        return None, []
    if not isinstance(value, str):
        return None, ["must be a string"]
    # Checked before trimming: strip() removes some controls (\x1c-\x1f, \x85, newlines) from the ends,
    # and what was sent either holds control characters or it does not, as the OpenAPI pattern says.
    if _has_unsafe_characters(value):
        return None, ["must not contain control characters or lone surrogates"]
    value = value.strip()
    return value, [f"must be at most {limit} characters"] if len(value) > limit else []


def student_fields(data: dict[str, Any], *, partial: bool) -> dict[str, str | None]:
    """The validated columns to write. `partial`: only the fields given (updates); else name is required."""
    fields: dict[str, list[str]] = {}
    clean: dict[str, str | None] = {}
    if "name" in data or not partial:
        name, errors = _text(data.get("name"), NAME_MAX)
        if not name and not errors:
            errors = ["required, and not blank"]
        if errors:
            fields["name"] = errors
        clean["name"] = name
    if "grade" in data:
        grade, errors = _text(data["grade"], GRADE_MAX)
        if errors:
            fields["grade"] = errors
        clean["grade"] = grade or None
    if fields:
        raise ApiError(400, "invalid student", fields)
    if not clean:
        raise ApiError(400, "nothing to update: give name and/or grade", {})
    return clean
