from __future__ import annotations

from strikes.views import (
    broadcasts,
    dashboard,
    lines,
    notifications,
    planning,
    public,
    signups,
    sync,
    turnout,
)

app_name = "strikes"

urlpatterns = [
    *signups.urlpatterns,
    *lines.urlpatterns,
    *dashboard.urlpatterns,
    *planning.urlpatterns,
    *notifications.urlpatterns,
    *broadcasts.urlpatterns,
    *public.urlpatterns,
    *turnout.urlpatterns,
    *sync.urlpatterns,
]
