"""Sessions read from the cache, kept in the database (Django's ``cached_db``), with the cache's
copy held for at most ``SESSION_CACHE_SECONDS``.

Every signed-in request reads its session: from the cache that is a Redis GET, not a query.
Writes go to both, and signing out deletes both, so a session ended on one web process is ended
on all. The cap is for the one case that is not so: while Redis is unreachable each process
caches in its own memory (``config.cache``), so a session ended meanwhile could still be found
in another process's memory, or in Redis where it was cached before; it is found there for at
most this long (an hour by default), never for the session's whole life (two weeks).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db


class _CappedCache:
    """The session cache, with every entry's timeout capped."""

    def __init__(self, cache: Any, most: int) -> None:
        self._cache = cache
        self._most = most

    def set(self, key: str, value: Any, timeout: Any = None, **kwargs: Any) -> Any:
        capped = self._most if not timeout or timeout > self._most else timeout
        return self._cache.set(key, value, capped, **kwargs)

    async def aset(self, key: str, value: Any, timeout: Any = None, **kwargs: Any) -> Any:
        capped = self._most if not timeout or timeout > self._most else timeout
        return await self._cache.aset(key, value, capped, **kwargs)

    def __contains__(self, key: str) -> bool:
        return key in self._cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cache, name)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _CappedCache(self._cache, settings.SESSION_CACHE_SECONDS)
