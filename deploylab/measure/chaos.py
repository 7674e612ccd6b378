"""Client for in-process faults: POST <base_url>/__chaos__/<service>/<kind> with the deployment's token.

Every model routes that path to the service's own chaos middleware, so this works for A, B, C and D.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from deploylab.core.errors import LabError

KINDS = ("latency", "errors", "cpu", "leak", "crash", "reset")


def parse_params(words: list[str]) -> dict[str, float]:
    """['ms=500', 'duration_s=30'] -> {'ms': 500.0, 'duration_s': 30.0}."""
    params: dict[str, float] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise LabError(f"bad parameter {word!r}: expected key=value")
        try:
            params[key] = float(value)
        except ValueError:
            raise LabError(f"bad parameter {word!r}: the value must be a number") from None
    return params


def inject(
    base_url: str,
    service: str,
    kind: str,
    params: Mapping[str, Any],
    token: str,
    chaos_prefix: str = "/__chaos__",
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Start an assault; returns the middleware's JSON answer. LabError with its message otherwise."""
    if kind not in KINDS:
        raise LabError(f"unknown fault {kind!r}: choose one of {', '.join(KINDS)}")
    if not token:
        raise LabError("this deployment has no chaos token: fault injection is off")
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}{chaos_prefix}/{service}/{kind}",
        data=json.dumps(dict(params)).encode(),
        headers={"Content-Type": "application/json", "X-Chaos-Token": token},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace").strip()[:300]
        raise LabError(f"{service} refused the {kind} fault ({exc.code}): {detail}") from None
    except OSError as exc:
        raise LabError(f"cannot reach {base_url} to inject {kind} into {service}: {exc}") from None
    try:
        return json.loads(body or b"{}")
    except json.JSONDecodeError:
        return {}
