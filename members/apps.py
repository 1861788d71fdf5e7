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
        # Not domain flow either: a cache's invalidation. Any write to a membership or role
        # makes the copy of the person's memberships and roles kept in their session stale.
        from django.db.models.signals import post_delete, post_save

        from members.middleware import keep_viewer_at_sign_in
        from members.models import Membership, Role

        user_logged_in.connect(keep_viewer_at_sign_in, dispatch_uid="members.keep_viewer")

        for model in (Membership, Role):
            for signal in (post_save, post_delete):
                signal.connect(
                    _access_changed,
                    sender=model,
                    dispatch_uid=f"members.access_changed.{model.__name__}.{id(signal)}",
                )
        # What members holds about people, for subject access, erasure and retention.
        privacy.register(personal_data)


def _access_changed(sender: object, instance: object, **kwargs: object) -> None:
    from members.permissions import access_changed

    access_changed(user_id=getattr(instance, "user_id", None))
