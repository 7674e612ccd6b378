"""Every form that changes data must come from our own page: a double-submit token, and Origin/Referer.

Stateless, so any number of replicas (model D on Swarm) accept each other's forms without a shared
secret or session store. A page with a form sets a random token in a SameSite=Strict, HttpOnly cookie
and puts the same value in a hidden field; a POST must bring both, equal. Another site can make a
browser send a form, but cannot read the cookie to fill the field (and Strict keeps the cookie off its
requests anyway). Cookies ignore ports, so a neighbour on the same host name could plant one: when the
browser says where the form came from (Origin, else Referer), that must be this very host and port.
Either failing is a 403 page that says what to do.
"""

from __future__ import annotations

import hmac
import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from werkzeug.exceptions import Forbidden

COOKIE = "web_csrf"
FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(TOKEN_BYTES) makes
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


class CrossSiteForm(Forbidden):
    description = (
        "This form did not come from this site's own page, so nothing was changed. "
        "If you did send it from here, go back, reload the page and send it again."
    )


def token() -> str:
    """The token for this response's forms: the browser's own while it has a sound one, else a new one."""
    if "csrf_token" not in g:
        held = request.cookies.get(COOKIE, "")
        g.csrf_token = held if _TOKEN.fullmatch(held) else secrets.token_urlsafe(TOKEN_BYTES)
    return g.csrf_token


def _from_this_site() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if source is None:
        return True  # neither sent (privacy settings, tools): the token alone decides
    parts = urlsplit(source)
    if parts.scheme not in _DEFAULT_PORTS:
        return False  # Origin "null": a sandboxed frame, a file: page, a redirect from elsewhere
    # The scheme is not compared, only host and port: a TLS proxy in front would change it. An Origin
    # leaves the default port out, and werkzeug leaves it out of request.host too.
    return parts.netloc.lower().removesuffix(_DEFAULT_PORTS[parts.scheme]) == request.host.lower()


def _check() -> None:
    if request.method in SAFE_METHODS or request.routing_exception is not None:
        return  # a 404 or 405 changes nothing and keeps its own status
    if not _from_this_site():
        raise CrossSiteForm()
    sent = request.form.get(FIELD, "")  # read first: an oversized form is still a 413
    held = request.cookies.get(COOKIE, "")
    if not (_TOKEN.fullmatch(held) and hmac.compare_digest(sent.encode(), held.encode())):
        raise CrossSiteForm()


def _keep(response: Response) -> Response:
    made = g.get("csrf_token")
    if made and made != request.cookies.get(COOKIE):
        # A session cookie: the token lasts as long as the browser keeps the page's forms.
        path = request.script_root or "/"
        response.set_cookie(COOKIE, made, path=path, httponly=True, samesite="Strict", secure=request.is_secure)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_check)
    app.after_request(_keep)
    app.add_template_global(token, "csrf_token")
