from django.urls import path

from labor_analytics import views

urlpatterns = [
    path("", views.variances, name="labor-analytics-variances"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="labor-analytics-alert-ack"),
    path("forecast/", views.forecast, name="labor-analytics-forecast"),
    path("forecast/retrain/", views.forecast_retrain, name="labor-analytics-retrain"),
    path("timecards/", views.timecards, name="labor-analytics-timecards"),
    path("timecards/<int:employee_id>/<str:day>/", views.timecard, name="labor-analytics-timecard"),
    path("scores/", views.scores, name="labor-analytics-scores"),
]
