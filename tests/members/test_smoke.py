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


def test_the_500_page_renders_without_a_request_and_says_what_to_do() -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and "send it again" in html


def test_the_429_page_says_how_long_to_wait(rf) -> None:
    from kernel.ratelimit import rate_limited_response

    response = rate_limited_response(rf.get("/"), "5/300")
    assert response.status_code == 429 and response["Retry-After"] == "300"
    body = response.content.decode()
    assert "Please wait 5 minutes" in body and 'class="refusal"' in body
