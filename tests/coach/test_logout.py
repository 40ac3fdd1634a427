"""Logging out: the nav's button POSTs; the address opened directly asks first (Django's view
answers a GET with a bare 405, which the browser shows as its own error page)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_opening_the_logout_address_asks_and_keeps_you_logged_in(client, django_user_model):
    user = django_user_model.objects.create_user("ana", password="pw-ana-1")
    client.force_login(user)
    response = client.get("/accounts/logout/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'action="/accounts/logout/"' in page and 'method="post"' in page
    assert "ana" in page
    assert client.get("/").status_code == 200  # still logged in


def test_the_form_logs_you_out(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ana", password="pw-ana-1"))
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_someone_logged_out_goes_to_the_login_page(client):
    response = client.get("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
