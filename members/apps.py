from __future__ import annotations

from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "People, unions and roles"

    def ready(self) -> None:
        # The framework's own sign-in event (not domain flow): every sign-in is audited.
        from django.contrib.auth.signals import user_logged_in

        from kernel import privacy
        from members import codes  # noqa: F401  (registers the domain error codes members raises)
        from members.privacy import audit_sign_in, personal_data

        user_logged_in.connect(audit_sign_in, dispatch_uid="members.audit_sign_in")
        # What members holds about people, for subject access, erasure and retention.
        privacy.register(personal_data)
