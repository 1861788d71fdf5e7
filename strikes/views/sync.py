"""The rep's phone sends what was done offline (``static/js/offline.js``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from members.access import requires
from members.permissions import Action
from strikes.forms.sync import BadAction, parse_queue
from strikes.services.sync import REFUSED, SyncResult, apply_offline_actions


def _json_sign_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A phone sending its queue with an expired session is told to sign in (401, JSON), not
    redirected to a page it cannot read: it keeps the queue and sends it after sign-in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return JsonResponse(
                {"sign_in": settings.LOGIN_URL, "message": "Sign in again to send your changes."},
                status=401,
            )
        return view(request, *args, **kwargs)

    return wrapper


@_json_sign_in
@requires(Action.RUN_LINE)
@require_POST
def rep_sync(request: HttpRequest) -> HttpResponse:
    """Apply a queue of offline changes, in order, each once; say what became of each.

    Each change's line is checked inside the service: one queue may span the rep's lines."""
    try:
        data = json.loads(request.body or b"null")
        queue = parse_queue(data)
    except (ValueError, RequestDataTooBig) as exc:
        message = getattr(exc, "message", "") or "Send the queue as JSON."
        return JsonResponse({"message": message}, status=400)
    actions = [item for item in queue if not isinstance(item, BadAction)]
    applied = iter(apply_offline_actions(actions=actions, acting_user=request.user))
    results = [
        SyncResult(item.nonce, REFUSED, "bad_form", item.message)
        if isinstance(item, BadAction)
        else next(applied)
        for item in queue
    ]
    return JsonResponse({"results": [result.as_dict() for result in results]})


urlpatterns = [path("rep/sync/", rep_sync, name="rep-sync")]
