"""Path converters shared by every app's URLs.

A secret link's token is checked for shape before it reaches a view, so junk such as a NUL byte
(which PostgreSQL refuses in text) or a megabyte of characters is a 404, never a query.
"""

from __future__ import annotations

from django.urls import register_converter


class TokenConverter:
    """A URL-safe token as ``secrets.token_urlsafe`` or an md5 hex digest makes it."""

    regex = r"[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")
