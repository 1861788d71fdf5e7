"""The one header neither Django 5.2 nor django-csp sets (Permissions-Policy), and a guard that
refuses junk input with a message before any view sees it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        return response


# A query string longer than this is junk: no page of ours takes more than a few short filters.
MAX_QUERY_STRING = 4096


def _has_nul(data: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


class InputGuardMiddleware:
    """Refuse, with a message, what no form of ours can take: NUL bytes anywhere in the query
    string or a posted form, a query string past ``MAX_QUERY_STRING``, and a body past
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``. PostgreSQL rejects NUL in text, so letting one through would
    turn a typo or an attack into a server error; refusing here keeps every view simple.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        query = request.META.get("QUERY_STRING", "")
        if len(query) > MAX_QUERY_STRING:
            return _refuse(
                request,
                "That web address is too long. Go back and open the link again.",
                status=414,
            )
        if "\x00" in request.path:
            # No page's address holds one (tokens are checked for shape): a page not found.
            raise Http404("No such page.")
        if "%00" in query or _has_nul(request.GET):
            return _refuse(
                request,
                "That web address has a character we cannot read in it. Go back and open the "
                "link again.",
            )
        if request.method in ("POST", "PUT", "PATCH"):
            try:
                posted = request.POST
            except RequestDataTooBig:
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
                return _refuse(
                    request,
                    f"That was too much to send at once (the limit is {limit} KB). Shorten what "
                    "you wrote and try again.",
                    status=413,
                )
            except (TooManyFieldsSent, MultiPartParserError, UnicodeDecodeError):
                return _refuse(
                    request, "We could not read that form. Reload the page and try again."
                )
            if _has_nul(posted):
                return _refuse(
                    request,
                    "What you sent has a character we cannot store (a NUL byte). Remove it, or "
                    "type the text again, and send it once more.",
                )
        return None


def _refuse(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "input_refused.html", {"message": message}, status=status)
