from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_welcomes_anonymous_visitor(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in with your email" in response.content


def test_sign_in_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"<html" in response.content
