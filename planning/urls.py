from django.urls import path

from planning import views

urlpatterns = [
    path("", views.board, name="planning-board"),
    path("whatif/", views.whatif, name="planning-whatif"),
    path("scenario/<int:plan_id>/", views.scenario, name="planning-scenario"),
    path("scenario/<int:plan_id>/sign/", views.scenario_sign, name="planning-scenario-sign"),
    path("dispatch/<str:code>/", views.dispatch, name="planning-dispatch"),
]
