"""The one access layer: the decorators' answers, and the one handler's 403 and 404 pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from kernel.errors import NotAllowed, Refused
from members.access import RefusalMiddleware, access_rule, requires
from members.permissions import Action
from tests import factories as f


def _handle(rf: RequestFactory, user, exc: Exception, *, htmx: bool = False) -> HttpResponse:
    request = rf.get("/somewhere/")
    request.user = user
    request.htmx = htmx
    response = RefusalMiddleware(lambda r: HttpResponse()).process_exception(request, exc)
    assert response is not None
    return response


@pytest.mark.django_db
def test_refused_is_a_styled_403_that_says_why_and_what_to_do(rf):
    user = f.UserFactory(email="ann@example.org")
    exc = Refused("Only the rep can run this line.", next_step="Ask your district office.")
    response = _handle(rf, user, exc)
    body = response.content.decode()
    assert response.status_code == 403
    assert "Only the rep can run this line." in body
    assert "Ask your district office." in body
    assert "ann@example.org" in body  # who they are signed in as, so they can switch
    assert reverse("members:home") in body and "Sign in as someone else" in body


@pytest.mark.django_db
def test_hidden_refusal_is_a_404_that_says_nothing_of_the_reason(rf):
    exc = Refused("The line at Heaton Primary belongs to another union.", hide=True)
    response = _handle(rf, f.UserFactory(), exc)
    body = response.content.decode()
    assert response.status_code == 404
    assert "Heaton Primary" not in body and "another union" not in body
    assert "We can't find that page" in body


@pytest.mark.django_db
def test_old_style_refusals_go_through_the_same_handler(rf):
    user = f.UserFactory()
    denied = _handle(rf, user, PermissionDenied("Not yours."))
    assert denied.status_code == 403 and "Not yours." in denied.content.decode()
    assert "You can't open this page" in denied.content.decode()
    missing = _handle(rf, user, Http404("secret detail"))
    assert missing.status_code == 404 and "secret detail" not in missing.content.decode()
    not_allowed = _handle(rf, user, NotAllowed("Only officers plan."))
    assert not_allowed.status_code == 403 and "Only officers plan." in not_allowed.content.decode()


@pytest.mark.django_db
def test_other_errors_are_left_alone(rf):
    request = rf.get("/")
    request.user = f.UserFactory()
    handler = RefusalMiddleware(lambda r: HttpResponse())
    assert handler.process_exception(request, ValueError("boom")) is None


@pytest.mark.django_db
def test_htmx_refusal_is_a_small_fragment_swapped_into_the_page(rf):
    response = _handle(rf, f.UserFactory(), Refused("Not for you."), htmx=True)
    body = response.content.decode()
    assert response.status_code == 403
    assert "<html" not in body and 'id="refusal"' in body and "Not for you." in body
    assert response["HX-Retarget"] == "#main" and response["X-Refusal"] == "403"


def test_decorators_mark_the_view_with_its_rule():
    @requires(Action.PLAN)
    def view(request):
        return HttpResponse()

    rule = access_rule(view)
    assert rule.kind == "role" and rule.action == Action.PLAN and rule.place is None
    assert str(rule) == "role: plan somewhere"


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_not_refused(client, world):
    response = client.get(reverse("strikes:planning-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_member_refused_planning_sees_why_on_the_styled_page(client, world):
    member = f.MembershipFactory(workplace=world.s1, union=world.union).user
    client.force_login(member)
    response = client.get(reverse("strikes:planning-home"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "district, regional and" in body and "ask your national office" in body


@pytest.mark.django_db
def test_unknown_url_gets_the_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()
