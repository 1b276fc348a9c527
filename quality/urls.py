from django.urls import path

from quality import views

urlpatterns = [
    path("defects/<int:pk>/photo/", views.defect_photo, {"size": "full"}, name="quality-defect-photo"),
    path(
        "defects/<int:pk>/thumbnail/", views.defect_photo, {"size": "thumb"}, name="quality-defect-thumbnail"
    ),
]
