"""The dashboard's map in real Chromium: clusters when zoomed out, zoom, a click through to a
school, keyboard use; with only the bundled base layer, and with a (local) tile server."""

from __future__ import annotations

import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from schools.models import Entrance
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("test-results/map")

# Towns across England: a few schools around each, so the map clusters when zoomed out.
TOWNS = [(54.97, -1.61), (53.48, -2.24), (52.49, -1.89), (51.51, -0.13), (50.72, -3.53)]


def tile_png() -> bytes:
    """A 256 x 256 PNG tile: pale green with a darker grid, unlike the bundled base layer."""
    size = 256
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            edge = x % 64 == 0 or y % 64 == 0
            row += bytes((150, 190, 150) if edge else (214, 236, 206))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def tile_server():
    """A local tile server on 127.0.0.1 serving the same PNG for every /z/x/y.png."""
    png = tile_png()
    served = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.served = served
    yield server
    server.shutdown()
    server.server_close()


def watch_csp(page) -> list[str]:
    """Collect the browser's Content-Security-Policy complaints (there must be none)."""
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def _national_day(world):
    cache.clear()
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union), date=timezone.localdate())
    schools = []
    for t, (lat, lng) in enumerate(TOWNS):
        for i in range(6):
            school = f.SchoolFactory(
                district=world.d1 if t < 3 else world.d3,
                name=f"School {t}-{i}",
                latitude=lat + 0.01 * i,
                longitude=lng + 0.012 * (i % 3),
            )
            schools.append(school)
            f.CalledOutSchoolFactory(
                strike_day=day,
                school=school,
                status=["closed", "open", "restricted"][i % 3],
                reported_at=timezone.now() if i % 2 else None,
            )
            f.PicketLineFactory(
                strike_day=day, entrance=Entrance.objects.get(site__school=school, is_main=True)
            )
    return day, schools


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _open_map(page, live_server, day):
    page.goto(f"{live_server.url}/dashboard/{day.pk}/")
    expect(page.locator("#dash-map")).to_have_attribute("data-loaded", "30")
    page.locator("#dash-map").scroll_into_view_if_needed()
    page.wait_for_timeout(800)


def test_dashboard_map_clusters_zooms_and_clicks_through(
    page, live_server, browser_login, world, settings
):
    settings.MAP_TILE_URL = ""
    day, _ = _national_day(world)
    organiser = f.RoleFactory(union=world.union, kind="national_organiser").user
    browser_login(page, organiser)
    csp = watch_csp(page)
    _open_map(page, live_server, day)
    expect(page.locator("#dash-map path.pl-base").first).to_be_attached()
    clusters = page.locator("#dash-map .marker-cluster")
    expect(clusters.first).to_be_visible()
    assert clusters.count() >= 3  # five towns, clustered
    shot(page, "1-dashboard-no-tiles-clustered")

    # Zoom in on one town by its cluster (Enter on it, as a keyboard user would).
    clusters.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(900)
    zoom_in = page.locator("#dash-map .leaflet-control-zoom-in")
    for _ in range(2):
        zoom_in.click()
        page.wait_for_timeout(400)
    points = page.locator("#dash-map .pl-pt")
    expect(points.first).to_be_visible()
    shot(page, "2-dashboard-no-tiles-zoomed")

    # A school is a button with its name; Enter opens the school's dashboard page.
    first = points.first
    title = first.get_attribute("title")
    assert title and title.startswith("School ")
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/dashboard/{day.pk}/school/*/")
    name = title.split(":")[0]
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    shot(page, "3-dashboard-school-after-click")
    assert csp == []


def test_dashboard_map_with_a_tile_server(
    page, live_server, browser_login, world, settings, tile_server
):
    port = tile_server.server_address[1]
    settings.MAP_TILE_URL = f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"
    settings.MAP_TILE_ATTRIBUTION = "Test tiles"
    day, _ = _national_day(world)
    organiser = f.RoleFactory(union=world.union, kind="national_organiser").user
    browser_login(page, organiser)
    csp = watch_csp(page)
    _open_map(page, live_server, day)
    tiles = page.locator("#dash-map img.leaflet-tile")
    expect(tiles.first).to_be_visible()
    expect(page.locator("#dash-map .leaflet-control-attribution")).to_contain_text("Test tiles")
    assert tile_server.served and tile_server.served[0].endswith(".png")
    shot(page, "4-dashboard-with-tiles")

    # A district's dashboard: the table lists its schools, and a click finds the school's row.
    page.goto(f"{live_server.url}/dashboard/{day.pk}/?district={world.d1.pk}")
    expect(page.locator("#dash-map")).to_have_attribute("data-loaded", "18")
    page.locator("#dash-map").scroll_into_view_if_needed()
    points = page.locator("#dash-map .pl-pt")
    for _ in range(6):  # open clusters until single schools show
        if points.count():
            break
        page.locator("#dash-map .marker-cluster").first.click()
        page.wait_for_timeout(700)
    point = points.first
    expect(point).to_be_visible()
    point.click()
    expect(page.locator("#area-table tr.pl-highlight")).to_have_count(1)
    shot(page, "5-district-row-highlighted")
    assert csp == []  # the tile server's origin is allowed for this page's images
