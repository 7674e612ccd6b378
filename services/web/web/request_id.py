"""X-Request-ID: taken from the caller or made here, sent on every backend call, returned to the caller."""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
# Only what is safe to copy into other services' headers and logs; anything else is replaced.
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id() -> str:
    if "request_id" not in g:
        incoming = request.headers.get(HEADER, "")
        g.request_id = incoming if _VALID.fullmatch(incoming) else str(uuid.uuid4())
    return g.request_id


def _return_it(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_return_it)
