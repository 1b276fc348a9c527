"""Quality's station action, under the station's own paths (included at the root by plexcopilot/urls.py)."""

from django.urls import path

from quality import station_views

urlpatterns = [
    path("station/run/<int:pk>/<int:order>/defect/", station_views.station_defect, name="station-defect"),
]
