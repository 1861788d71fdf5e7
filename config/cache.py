"""The default cache: Redis, and this process's memory for a while when Redis is unreachable.

What the app keeps in the cache can be lost or recomputed: rate-limit counts (allauth's and
ours), the dashboard's shared figures. So when Redis cannot be reached, a request must not fail:
this backend logs one warning, serves that call and every call for ``FALLBACK_SECONDS`` from a
per-process memory store, then tries Redis again. Meanwhile rate limits count per process
(still a limit, a looser one), and cached figures are computed afresh.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    """``RedisCache`` that falls back to a local in-process store while Redis is down."""

    # How long to stay on the local store before trying Redis again.
    FALLBACK_SECONDS = 30.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        # Fail fast instead of holding a request while Redis does not answer.
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 2)
        super().__init__(server, {**params, "OPTIONS": options})
        local = {key: value for key, value in params.items() if key != "OPTIONS"}
        self._local = LocMemCache(f"picketline-fallback-{id(self)}", local)
        self._down_until = 0.0

    @property
    def using_fallback(self) -> bool:
        return time.monotonic() < self._down_until

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if not self.using_fallback:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as exc:
                self._down_until = time.monotonic() + self.FALLBACK_SECONDS
                logger.warning(
                    "Redis cache unreachable (%s): using this process's memory for %d s; "
                    "rate limits count per process meanwhile.",
                    exc.__class__.__name__,
                    self.FALLBACK_SECONDS,
                )
        return getattr(self._local, name)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._call("clear")
