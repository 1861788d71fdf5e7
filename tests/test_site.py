"""The favicon and the web app manifest: a phone can add Picketline to its home screen."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders


def test_favicon_is_an_icon_not_a_404(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response["Cache-Control"]


def test_manifest_names_the_app_and_its_icons(client, db):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Picketline"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        # Each icon is a real file of ours under static/ (served by WhiteNoise).
        relative = icon["src"].removeprefix(settings.STATIC_URL)
        assert finders.find(relative), icon["src"]


@pytest.mark.parametrize("path", ["/favicon.ico", "/manifest.webmanifest"])
def test_they_refuse_writes(client, db, path):
    assert client.post(path).status_code == 405


def test_every_page_links_the_manifest_and_icon(client, db):
    body = client.get("/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in body
    assert 'rel="icon"' in body
