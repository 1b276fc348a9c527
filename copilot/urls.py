from django.urls import path

from copilot import views

urlpatterns = [
    path("source/<int:chunk_id>/", views.source_detail, name="copilot-source"),
    path("ask/<int:execution_id>/<int:order>/", views.ask, name="copilot-ask"),
    path("questions/<int:pk>/feedback/", views.question_feedback, name="copilot-feedback"),
    path("library/", views.library, name="copilot-library"),
    path("library/upload/", views.library_upload, name="copilot-library-upload"),
    path("library/<int:pk>/remove/", views.library_remove, name="copilot-library-remove"),
]
