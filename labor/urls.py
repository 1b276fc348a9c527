from django.urls import path

from labor import crew_views, views

urlpatterns = [
    path("", views.home, name="labor-home"),
    path("station/", views.station, name="labor-station"),
    path("station/clock-in/job/<int:pk>/", views.station_clock_job, name="labor-station-clock-job"),
    path("station/clock-<str:direction>/", views.station_clock, name="labor-station-clock"),
    path("station/job/<int:pk>/<str:direction>/", views.station_job, name="labor-station-job"),
    path("station/andon/", views.station_andon, name="labor-station-andon"),
    path("flags/", views.flags, name="labor-flags"),
    path("flags/validate/", views.flags_validate, name="labor-flags-validate"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="labor-flag-resolve"),
    path("certifications/", views.certifications, name="labor-certifications"),
    path("skill-gaps/", views.skill_gaps, name="labor-skill-gaps"),
    path("crew/", crew_views.crew, name="labor-crew"),
    path("crew/draft/", crew_views.crew_draft, name="labor-crew-draft"),
    path("crew/<int:pk>/assign/", crew_views.crew_assign, name="labor-crew-assign"),
    path("crew/<int:pk>/accept/", crew_views.crew_accept, name="labor-crew-accept"),
    path("handover/", views.handover, name="labor-handover"),
    path("handover/draft/", views.handover_draft, name="labor-handover-draft"),
    path("handover/<int:pk>/sign/", views.handover_sign, name="labor-handover-sign"),
    path("handover/<int:pk>/acknowledge/", views.handover_acknowledge, name="labor-handover-acknowledge"),
    path("andon/", views.andon_board, name="labor-andon"),
    path("andon/<int:pk>/<str:action>/", views.andon_update, name="labor-andon-update"),
]
