"""Junk in a URL, a query string or a form is refused with a message, never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f


@pytest.mark.parametrize(
    "path",
    [
        "/line/%00/",
        "/line/%00/poster/",
        "/supporter/%00/",
        "/supporter/%00/cancel/",
        "/supporter/%00/data/",
        "/supporter/%00/erase/",
        "/calendar/%00.ics",
        "/line/" + "a" * 65 + "/",
        "/line/short/",
        "/line/%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2/",
    ],
)
def test_a_token_of_the_wrong_shape_is_404_before_any_query(client, db, path):
    assert client.get(path).status_code == 404
    assert client.post(path).status_code in (403, 404)  # 403: CSRF, with enforce on


def test_a_nul_byte_in_the_query_string_is_refused_with_a_message(client, db):
    response = client.get("/?q=%00")
    assert response.status_code == 400
    assert "character we cannot read" in response.content.decode()


def test_a_nul_byte_in_a_form_is_refused_with_a_message(client, world):
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    client.force_login(member)
    response = client.post(reverse("strikes:calendar-reset"), {"x": "a\x00b"})
    assert response.status_code == 400
    assert "NUL byte" in response.content.decode()
    old = member.calendar_token
    member.refresh_from_db()
    assert member.calendar_token == old


def test_a_body_past_the_limit_is_refused_with_the_limit(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(reverse("members:home"), {"notes": "x" * 5000})
    assert response.status_code == 413
    assert "the limit is 1 KB" in response.content.decode()


def test_a_query_string_past_the_limit_is_refused(client, db):
    assert client.get("/?" + "a=b&" * 2000).status_code == 414


@pytest.mark.parametrize("junk", ["²", "99999999999999999999", "-1", "1e3", " "])
def test_a_school_filter_that_is_not_an_id_is_404(client, world, junk):
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    client.force_login(member)
    response = client.get(reverse("strikes:my-strike-days"), {"school": junk})
    assert response.status_code in (200, 404)
