from django.urls import path

from instructions import views

urlpatterns = [
    path("station/", views.station_list, name="station-list"),
    path("station/home/", views.station_home, name="station-home"),
    path("station/scan/", views.station_scan, name="station-scan"),
    path("station/signout/", views.station_signout, name="station-signout"),
    path("station/run/<int:pk>/<int:order>/", views.station_step, name="station-step"),
    path("station/run/<int:pk>/<int:order>/done/", views.station_step_done, name="station-step-done"),
    path("station/run/<int:pk>/<int:order>/measure/", views.station_measure, name="station-measure"),
    path("station/run/<int:pk>/<int:order>/flag/", views.station_flag, name="station-flag"),
    path("station/run/<int:pk>/<int:order>/defect/", views.station_defect, name="station-defect"),
    path("station/run/<int:pk>/<int:order>/override/", views.station_override, name="station-override"),
    path("station/<str:code>/", views.station_signin, name="station-signin"),
    path("work-orders/travelers/", views.work_order_travelers, name="instructions-travelers"),
    path("work-orders/<str:barcode>/barcode.svg", views.work_order_barcode, name="instructions-barcode"),
]
