from django.urls import path

from quality import views

urlpatterns = [
    path("defects/<int:pk>/photo/", views.defect_photo, {"size": "full"}, name="quality-defect-photo"),
    path(
        "defects/<int:pk>/thumbnail/", views.defect_photo, {"size": "thumb"}, name="quality-defect-thumbnail"
    ),
    path("", views.ncr_queue, name="quality-queue"),
    path("ncrs/<int:pk>/", views.ncr_detail, name="quality-ncr-detail"),
    path("ncrs/<int:pk>/decide/", views.ncr_decide, name="quality-ncr-decide"),
    path("ncrs/<int:pk>/update/", views.ncr_update, name="quality-ncr-update"),
    path("ncrs/<int:pk>/retriage/", views.ncr_retriage, name="quality-ncr-retriage"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="quality-alert-acknowledge"),
    path("ncrs/open-missing/", views.ncr_open_missing, name="quality-ncr-open-missing"),
    path("scan/", views.feedback_scan, name="quality-scan"),
    path("trends/", views.trends, name="quality-trends"),
    path("import/", views.ncr_import, name="quality-import"),
]
