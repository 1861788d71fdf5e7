"""The one rate limiter: the client address behind trusted proxies, limits declared by the
views, and no failure when the cache (Redis) cannot be reached."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver, reverse

from kernel.ratelimit import client_ip
from members.models import Supporter
from strikes.services.signups import supporter_signup_create
from tests import factories as f

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _request(remote="203.0.113.9", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_proxies_the_address_is_remote_addr_whatever_the_header_says(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="198.51.100.1")) == "203.0.113.9"


def test_behind_one_proxy_the_client_is_the_rightmost_forwarded_entry(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote the first entry itself; our proxy appended the address it saw.
    request = _request(remote="10.0.0.2", forwarded="198.51.100.66, 192.0.2.44")
    assert client_ip(request) == "192.0.2.44"


def test_behind_two_proxies_the_client_is_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = _request(remote="10.0.0.3", forwarded="1.1.1.1, 192.0.2.44, 10.0.0.2")
    assert client_ip(request) == "192.0.2.44"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "192.0.2.1\x00", ",,,"])
def test_a_short_or_junk_header_falls_back_to_remote_addr(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(remote="10.0.0.2", forwarded=forwarded)) == "10.0.0.2"


def test_junk_remote_addr_is_one_shared_bucket_not_an_error(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(remote="")) == "unknown"


def test_an_ipv6_client_is_counted_by_its_64_block(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    one = client_ip(_request(remote="2001:db8:1:2::1"))
    two = client_ip(_request(remote="2001:db8:1:2:ffff::9"))
    assert one == two == "2001:db8:1:2::/64"


def test_allauth_reads_the_same_proxy_count():
    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.TRUSTED_PROXY_COUNT


@pytest.fixture
def supporter(world):
    shift = f.ShiftFactory(
        picket_line=f.PicketLineFactory(
            strike_day=f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union)),
            entrance=world.s1.sites.get().entrances.get(is_main=True),
        )
    )
    signup = supporter_signup_create(
        shift=shift, name="Ada Lovelace", email="ada@example.net", phone="", consent=True
    )
    return signup.supporter


def test_clients_behind_the_proxy_get_their_own_buckets(client, supporter, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PUBLIC_RATE_LIMIT_READS = "2/60"
    url = reverse("members:supporter-data", args=[supporter.token])
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(2):
        assert client.get(url, HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy).status_code == 200
    assert client.get(url, HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy).status_code == 429
    # Another supporter behind the same proxy is not held up, and a forged entry to the left
    # does not buy the first one a new bucket.
    assert client.get(url, HTTP_X_FORWARDED_FOR="192.0.2.2", **proxy).status_code == 200
    forged = client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7, 192.0.2.1", **proxy)
    assert forged.status_code == 429


def test_every_public_secret_link_page_declares_its_limit():
    public = {
        "strikes:line-public",
        "strikes:line-poster",
        "strikes:supporter-confirmed",
        "strikes:supporter-cancel",
        "strikes:signup-link",
        "strikes:turnout-link",
        "members:supporter-data",
        "members:supporter-erase",
    }
    found = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif f"{namespace}:{pattern.name}" in public:
                found[f"{namespace}:{pattern.name}"] = getattr(pattern.callback, "rate_limits", [])

    walk(get_resolver().url_patterns, "")
    assert set(found) == public
    for name, groups in found.items():
        assert {"public-read", "public-write"} <= set(groups), name
    assert "supporter-join" in found["strikes:line-public"]


# --- Redis unreachable ---------------------------------------------------------------------


@pytest.fixture
def redis_closed(settings):
    """The default cache is the production backend, pointed at a port nothing listens on."""
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": CLOSED_PORT}
    }
    yield caches["default"]
    caches["default"].clear()


def test_cache_unreachable_falls_back_to_local_memory_with_a_warning(
    redis_closed, caplog, monkeypatch
):
    # Another tool run in this process (import-linter) may reconfigure logging and disable
    # loggers that already exist; the warning is what this test is about.
    monkeypatch.setattr(logging.getLogger("config.cache"), "disabled", False)
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert redis_closed.get("missing") is None
        assert redis_closed.add("k", 1, 30) is True
        assert redis_closed.incr("k") == 2
    assert redis_closed.using_fallback
    warnings = [r for r in caplog.records if "Redis cache unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once, not on every call


def test_public_pages_and_sign_in_answer_with_redis_unreachable(
    client, supporter, redis_closed, settings
):
    settings.PUBLIC_RATE_LIMIT_WRITES = "2/60"
    url = reverse("strikes:supporter-cancel", args=[supporter.token])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    # Still a limit meanwhile: counted in this process's memory.
    assert client.post(url).status_code == 429
    login = client.post("/accounts/login/code/", {"email": "nobody@example.org"})
    assert login.status_code in (200, 302)
    line = f.PicketLineFactory()
    assert client.get(reverse("strikes:line-public", args=[line.public_token])).status_code == 200


@pytest.mark.redis
def test_counts_are_kept_in_redis_when_it_is_up(client, supporter, settings):
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": settings.REDIS_URL}
    }
    settings.PUBLIC_RATE_LIMIT_READS = "1/60"
    caches["default"].clear()
    url = reverse("members:supporter-data", args=[supporter.token])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429
    assert not caches["default"].using_fallback
    caches["default"].clear()
    assert Supporter.objects.filter(pk=supporter.pk).exists()
