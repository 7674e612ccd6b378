"""The fault-injection listing through the entry: it needs the deployment's token, as the assaults do.

Also shows that the entry hands X-Chaos-Token on for a GET, not only for a POST.
"""

from __future__ import annotations

import pytest

SERVICES = ("students", "grades", "web")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("token", [None, "wrong"], ids=["no-token", "wrong-token"])
def test_the_listing_is_refused_without_the_token(api, chaos_token, service, token):
    headers = {"X-Chaos-Token": token} if token else {}
    response = api.get(f"/__chaos__/{service}", headers=headers)
    assert response.status_code in (401, 403), (response.status_code, response.text[:200])
    assert "active" not in response.text


@pytest.mark.parametrize("service", SERVICES)
def test_the_listing_answers_with_the_token(api, chaos_token, service):
    response = api.get(f"/__chaos__/{service}", headers={"X-Chaos-Token": chaos_token})
    assert response.status_code == 200, response.text[:200]
    assert response.json() == {"service": service, "active": response.json()["active"]}
    assert isinstance(response.json()["active"], list)
