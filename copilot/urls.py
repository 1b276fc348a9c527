from django.urls import path

from copilot import clips, views

urlpatterns = [
    path("source/<int:chunk_id>/", views.source_detail, name="copilot-source"),
    path("clip/<int:chunk_id>/", clips.clip_detail, name="copilot-clip"),
    path("clips/<int:pk>/media/", clips.clip_media, name="copilot-clip-media"),
    path("clips/<int:pk>/track/<str:language>.vtt", clips.clip_track, name="copilot-clip-track"),
    path("ask/<int:execution_id>/<int:order>/", views.ask, name="copilot-ask"),
    path("questions/<int:pk>/feedback/", views.question_feedback, name="copilot-feedback"),
    path("library/", views.library, name="copilot-library"),
    path("library/upload/", views.library_upload, name="copilot-library-upload"),
    path("library/<int:pk>/remove/", views.library_remove, name="copilot-library-remove"),
    path("library/<int:pk>/review/", views.library_review, name="copilot-library-review"),
]
