"""Forms that change data are accepted only from the app's own pages: a double-submit token, and Origin/Referer.

These use a browser-like client that starts with no cookie and takes the token from the page it loaded.
"""

import re

import pytest

ADD = {"first_name": "Mallory", "last_name": "", "grade": "G1"}
FORMS = [("/", "/", ADD), ("/update/1", "/update/1", ADD), ("/delete/1", "/delete/1", {})]  # (page, action, fields)


@pytest.fixture
def browser(app):
    return app.test_client()  # no cookie yet, unlike `client`


def token_in(html: str) -> str:
    (token,) = re.findall(r'<input type="hidden" name="csrf_token" value="([^"]+)">', html)
    return token


def load(browser, path="/"):
    response = browser.get(path)
    assert response.status_code == 200
    return token_in(response.get_data(as_text=True))


def writes(backend):
    return [r.method for r in backend.requests if r.method in ("POST", "PUT", "DELETE")]


@pytest.mark.parametrize(("page", "action", "fields"), FORMS)
def test_a_form_sent_from_its_own_page_is_accepted(browser, students, page, action, fields):
    token = load(browser, page)
    response = browser.post(action, data={**fields, "csrf_token": token}, headers={"Origin": "http://localhost"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert len(writes(students)) == 1


@pytest.mark.parametrize(("page", "action", "fields"), FORMS)
@pytest.mark.parametrize("sent", ["missing", "wrong", "empty"])
def test_a_form_without_the_pages_token_is_a_readable_403_that_changes_nothing(
    browser, students, page, action, fields, sent
):
    token = load(browser, page)
    data = dict(fields)
    if sent != "missing":
        data["csrf_token"] = "" if sent == "empty" else token[:-1] + ("A" if token[-1] != "A" else "B")
    response = browser.post(action, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "did not come from this site" in html and "reload the page" in html
    assert writes(students) == [] and 1 in students.items


@pytest.mark.parametrize(("page", "action", "fields"), FORMS)
def test_another_site_cannot_post_even_a_token_it_guessed_without_the_cookie(app, page, action, fields, students):
    # What a forged cross-site form looks like: the field, but no cookie (SameSite=Strict, or never set).
    stranger = app.test_client()
    response = stranger.post(action, data={**fields, "csrf_token": "x" * 43})
    assert response.status_code == 403
    assert writes(students) == []


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Origin", "http://evil.example"),
        ("Origin", "http://localhost:8001"),  # a neighbour on another port shares our cookies
        ("Origin", "null"),
        ("Referer", "http://evil.example/page"),
        ("Referer", "http://localhost:9999/"),
    ],
)
def test_a_form_from_another_origin_is_refused_even_with_the_token(browser, students, header, value):
    token = load(browser)
    response = browser.post("/", data={**ADD, "csrf_token": token}, headers={header: value})
    assert response.status_code == 403
    assert writes(students) == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://localhost"}, {"Origin": "http://LOCALHOST:80"}, {"Referer": "http://localhost/update/1"}],
)
def test_a_same_origin_form_or_one_that_does_not_say_is_accepted(browser, headers):
    token = load(browser)
    assert browser.post("/", data={**ADD, "csrf_token": token}, headers=headers).status_code == 303


def test_the_origin_is_compared_with_the_host_the_browser_used(browser):
    # Behind the entry, Host is the client's (127.0.0.1:8000), and so is the page's origin.
    headers = {"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000"}
    token = token_in(browser.get("/", headers=headers).get_data(as_text=True))
    assert browser.post("/", data={**ADD, "csrf_token": token}, headers=headers).status_code == 303
    headers["Origin"] = "http://127.0.0.1:8003"
    assert browser.post("/", data={**ADD, "csrf_token": token}, headers=headers).status_code == 403


def test_the_cookie_is_strict_http_only_and_kept_across_pages(browser):
    response = browser.get("/")
    (cookie,) = response.headers.getlist("Set-Cookie")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith("web_csrf=" + token_in(response.get_data(as_text=True)) + ";")
    assert "SameSite=Strict" in cookie and {"httponly", "path"} <= attributes
    assert "expires" not in attributes and "max-age" not in attributes  # gone with the browser session
    again = browser.get("/update/1")
    assert "Set-Cookie" not in again.headers  # the browser's token stays; open tabs keep working
    assert token_in(again.get_data(as_text=True)) == token_in(response.get_data(as_text=True))


def test_a_malformed_cookie_is_replaced(browser):
    browser.set_cookie("web_csrf", "short")
    response = browser.get("/")
    token = token_in(response.get_data(as_text=True))
    assert token != "short" and response.headers["Set-Cookie"].startswith(f"web_csrf={token};")
    assert browser.post("/", data={**ADD, "csrf_token": "short"}).status_code == 403


def test_a_rejected_form_shows_the_token_again(browser, students):
    token = load(browser)
    response = browser.post("/", data={"first_name": " ", "csrf_token": token})
    assert response.status_code == 400 and token_in(response.get_data(as_text=True)) == token


def test_pages_without_a_form_set_no_cookie(browser):
    for path in ("/healthz", "/readyz", "/static/bootstrap.min.css", "/nowhere"):
        response = browser.get(path)
        assert "Set-Cookie" not in response.headers, path
        response.close()


@pytest.mark.parametrize(("method", "path", "status"), [("POST", "/nowhere", 404), ("POST", "/healthz", 405)])
def test_a_post_that_routes_nowhere_keeps_its_own_status(browser, method, path, status):
    assert browser.open(path, method=method).status_code == status


def test_a_get_of_the_delete_link_from_any_page_deletes_nothing(browser, students):
    # <img src=http://127.0.0.1:8000/delete/1> on another site: a GET with no form and no token.
    response = browser.get("/delete/1", headers={"Referer": "http://evil.example/"})
    assert response.status_code == 200 and 1 in students.items
    assert writes(students) == []
