from django.urls import path

from materials import views

urlpatterns = [
    path("", views.materials_home, name="materials-home"),
    path("evaluate/", views.materials_evaluate, name="materials-evaluate"),
    path("call-offs/<int:pk>/approve/", views.call_off_approve, name="materials-call-off-approve"),
    path("call-offs/<int:pk>/expedite/", views.call_off_expedite, name="materials-call-off-expedite"),
    path("call-offs/<int:pk>/deliver/", views.call_off_deliver, name="materials-call-off-deliver"),
    path("kanban-changes/<int:pk>/sign/", views.kanban_change_sign, name="materials-kanban-sign"),
    path("kanban-changes/<int:pk>/reject/", views.kanban_change_reject, name="materials-kanban-reject"),
    path("station/", views.station_material, name="materials-station"),
    path("station/call/", views.station_material_call, name="materials-station-call"),
]
