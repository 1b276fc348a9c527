from django.contrib import admin
from django.urls import include, path

from plexcopilot import audit_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.account_login, name="account-login"),
    path("accounts/logout/", views.account_logout, name="account-logout"),
    path("admin/", admin.site.urls),
    path("audit/", audit_views.audit_trail, name="audit-trail"),
    path("", include("instructions.urls")),
    path("", include("quality.station_urls")),  # the defect report, a station action quality owns
    path("quality/", include("quality.urls")),
    path("copilot/", include("copilot.urls")),
    path("labor/analytics/", include("labor_analytics.urls")),
    path("labor/", include("labor.urls")),
    path("languages/", include("languages.urls")),
    path("planning/", include("planning.urls")),
    path("materials/", include("materials.urls")),
]
handler403 = "plexcopilot.views.permission_denied"
handler404 = "plexcopilot.views.page_not_found"
handler500 = "plexcopilot.outage.server_error"
