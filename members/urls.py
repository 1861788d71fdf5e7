from __future__ import annotations

from django.urls import path

import kernel.urls  # noqa: F401  (registers the "token" path converter)
from members import views, views_preferences, views_privacy

app_name = "members"

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views_privacy.privacy_notice, name="privacy"),
    path("me/messages/", views_preferences.preferences, name="preferences"),
    path("me/data/", views_privacy.my_data, name="my-data"),
    path("me/data.json", views_privacy.my_data_json, name="my-data-json"),
    path("me/erase/", views_privacy.my_erase, name="my-erase"),
    path("erased/", views_privacy.erased, name="erased"),
    path("supporter/<token:token>/data/", views_privacy.supporter_data, name="supporter-data"),
    path("supporter/<token:token>/erase/", views_privacy.supporter_erase, name="supporter-erase"),
    path("audit/", views_privacy.audit_log_page, name="audit"),
]
