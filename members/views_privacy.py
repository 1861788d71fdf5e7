"""A person's own data: see it, download it, erase it. And the data officer's audit log."""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods

from kernel.audit import contact_details_viewed
from kernel.errors import DomainError
from kernel.ratelimit import public_link
from members import privacy
from members.access import public, signed_in, staff_only, token_access
from members.selectors import audit_entries_search, supporter_by_token


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        required=True,
        label="I understand this cannot be undone",
        error_messages={"required": "Tick the box to confirm you want your details erased."},
    )


class AuditSearchForm(forms.Form):
    action = forms.CharField(required=False, max_length=60, label="Action starts with")
    actor_email = forms.EmailField(required=False, label="Done by (email)")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    object_type = forms.CharField(required=False, max_length=60, label="Object type")
    object_id = forms.CharField(required=False, max_length=40, label="Object id")


def _readable(value: object) -> object:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i")
    return value


def _person_rows(data: dict) -> list[tuple[str, object]]:
    return [
        (key.replace("_", " ").capitalize(), _readable(value))
        for key, value in data["person"].items()
        if key != "id"
    ]


def _json_download(data: dict, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, indent=2, cls=DjangoJSONEncoder, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@public
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "members/privacy.html",
        {"retention_days": settings.RETENTION_DAYS_AFTER_DISPUTE},
    )


@signed_in
def my_data(request: HttpRequest) -> HttpResponse:
    data = privacy.subject_access_export(user=request.user, acting_user=request.user, fmt="page")
    response = render(
        request,
        "members/privacy/my_data.html",
        {
            "data": data,
            "person": _person_rows(data),
            "supporter": None,
            "sections": privacy.data_page_templates(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@signed_in
def my_data_json(request: HttpRequest) -> HttpResponse:
    data = privacy.subject_access_export(user=request.user, acting_user=request.user, fmt="json")
    return _json_download(data, "my-picketline-data.json")


@signed_in
@require_http_methods(["GET", "POST"])
def my_erase(request: HttpRequest) -> HttpResponse:
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.user_erase(user=request.user, acting_user=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            logout(request)
            return redirect("members:erased")
    return render(request, "members/privacy/erase.html", {"form": form, "supporter": None})


@public
def erased(request: HttpRequest) -> HttpResponse:
    return render(request, "members/privacy/erased.html")


@public_link()
@token_access(supporter_by_token)
def supporter_data(request: HttpRequest, token: str) -> HttpResponse:
    supporter = request.target.obj
    if request.GET.get("format") == "json":
        data = privacy.supporter_access_export(supporter=supporter, fmt="json")
        return _json_download(data, "my-picketline-data.json")
    data = privacy.supporter_access_export(supporter=supporter, fmt="page")
    response = render(
        request,
        "members/privacy/my_data.html",
        {
            "data": data,
            "person": _person_rows(data),
            "supporter": supporter,
            "sections": privacy.data_page_templates(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@public_link()
@token_access(supporter_by_token)
@require_http_methods(["GET", "POST"])
def supporter_erase(request: HttpRequest, token: str) -> HttpResponse:
    supporter = request.target.obj
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.supporter_erase(supporter=supporter)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("members:erased")
    return render(request, "members/privacy/erase.html", {"form": form, "supporter": supporter})


@staff_only
def audit_log_page(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        messages.error(request, "Some search terms were not understood; showing everything.")
    entries = audit_entries_search(viewer=request.user, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    # The page shows who did what by their email address: record that it was seen.
    contact_details_viewed(
        actor=request.user,
        page="members:audit",
        count=len(
            {e.actor_id for e in page.object_list if e.actor_id not in (None, request.user.pk)}
        ),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/privacy/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
