from __future__ import annotations

import pytest

from kernel.audit import audit_log, contact_details_viewed
from kernel.models import AuditEntry
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_audit_entries_are_append_only():
    entry = AuditEntry.objects.create(action="test")
    entry.action = "changed"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()


def test_audit_log_records_the_actor_and_the_object_by_id():
    user = f.UserFactory()
    entry = audit_log(actor=user, action="test.done", obj=user, count=3)
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        user.pk,
        "members.user",
        str(user.pk),
    )
    assert entry.detail == {"count": 3}


def test_a_view_of_nobody_s_contact_details_is_not_recorded():
    assert contact_details_viewed(actor=f.UserFactory(), page="x", count=0) is None
    assert not AuditEntry.objects.exists()


def test_the_audit_log_lives_in_the_kernel_table():
    assert AuditEntry._meta.app_label == "kernel"
    assert AuditEntry._meta.db_table == "kernel_auditentry"
