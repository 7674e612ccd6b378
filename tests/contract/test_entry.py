"""The entry address itself: its health, static files of both front ends, and unclaimed paths."""

from __future__ import annotations

from .support import read_page


def _stylesheets_are_served(api, html: str, prefix: str) -> None:
    stylesheets = read_page(html).stylesheets
    assert stylesheets, "the page links no stylesheet"
    for href in stylesheets:
        assert href.startswith(prefix), href
        response = api.get(href)
        assert response.status_code == 200, href
        assert response.headers["Content-Type"].startswith("text/css")
        assert response.content


def test_the_entry_is_healthy(api):
    assert api.get("/healthz").status_code == 200


def test_the_web_pages_css_is_served_under_static(api):
    _stylesheets_are_served(api, api.get("/").text, "/static/")


def test_the_admin_login_renders_with_its_css_under_grades_static(api):
    response = api.get("/admin/login/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert 'name="password"' in response.text
    _stylesheets_are_served(api, response.text, "/grades-static/")


def test_the_admin_asks_for_a_login(api):
    response = api.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]


def test_an_unclaimed_path_is_404_not_500(api):
    assert api.get("/no-such-page").status_code == 404
    assert api.get("/static/no-such-file.css").status_code == 404
