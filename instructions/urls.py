from django.urls import path

from instructions import closeout_views, governance_views, media_views, traveler_views, views

urlpatterns = [
    path("station/", views.station_list, name="station-list"),
    path("station/home/", views.station_home, name="station-home"),
    path("station/scan/", views.station_scan, name="station-scan"),
    path("station/signout/", views.station_signout, name="station-signout"),
    path("station/run/<int:pk>/<int:order>/", views.station_step, name="station-step"),
    path("station/run/<int:pk>/<int:order>/done/", views.station_step_done, name="station-step-done"),
    path("station/run/<int:pk>/<int:order>/measure/", views.station_measure, name="station-measure"),
    path("station/run/<int:pk>/<int:order>/flag/", views.station_flag, name="station-flag"),
    path("station/run/<int:pk>/<int:order>/override/", views.station_override, name="station-override"),
    path("station/run/<int:pk>/<int:order>/signoff/", views.station_signoff, name="station-signoff"),
    path("station/run/<int:pk>/closeout/", closeout_views.station_closeout, name="station-closeout"),
    path("station/run/<int:pk>/switch/", views.station_switch, name="station-switch"),
    path("station/run/<int:pk>/handoff/", closeout_views.station_handoff, name="station-handoff"),
    path("station/work-order/<int:pk>/new-run/", closeout_views.station_new_run, name="station-new-run"),
    path("station/<str:code>/", views.station_signin, name="station-signin"),
    path("step-media/<str:digest>/", media_views.step_media_file, name="step-media"),
    path(
        "step-media/<str:digest>/thumb/",
        media_views.step_media_file,
        {"size": "thumb"},
        name="step-media-thumb",
    ),
    path("work-orders/travelers/", traveler_views.work_order_travelers, name="instructions-travelers"),
    path(
        "work-orders/<str:barcode>/barcode.svg",
        traveler_views.work_order_barcode,
        name="instructions-barcode",
    ),
    # Governance: approval queue, proposals, signatures, version history, rollback.
    path("governance/queue/", governance_views.approval_queue, name="instructions-approval-queue"),
    path(
        "governance/proposals/<int:pk>/",
        governance_views.proposal_detail,
        name="instructions-proposal-detail",
    ),
    path(
        "governance/proposals/<int:pk>/sign/",
        governance_views.proposal_sign,
        name="instructions-proposal-sign",
    ),
    path(
        "governance/proposals/<int:pk>/reject/",
        governance_views.proposal_reject,
        name="instructions-proposal-reject",
    ),
    path(
        "governance/proposals/<int:pk>/rebase/",
        governance_views.proposal_rebase,
        name="instructions-proposal-rebase",
    ),
    path(
        "governance/proposals/<int:pk>/submit/",
        governance_views.proposal_submit,
        name="instructions-proposal-submit",
    ),
    path("governance/instructions/", governance_views.instruction_list, name="instructions-governance-list"),
    path(
        "governance/instructions/<int:pk>/history/",
        governance_views.version_history,
        name="instructions-version-history",
    ),
    path(
        "governance/instructions/<int:pk>/history.csv",
        governance_views.version_history_csv,
        name="instructions-version-history-csv",
    ),
    path(
        "governance/instructions/<int:pk>/diff/",
        governance_views.version_diff,
        name="instructions-version-diff",
    ),
    path(
        "governance/instructions/<int:pk>/rollback/<int:number>/",
        governance_views.version_rollback,
        name="instructions-version-rollback",
    ),
    path(
        "governance/instructions/<int:pk>/steps/<str:key>/edit/",
        governance_views.step_edit,
        name="instructions-step-edit",
    ),
    path(
        "governance/instructions/<int:pk>/steps/<str:key>/media/",
        media_views.step_media_edit,
        name="instructions-step-media",
    ),
    path(
        "governance/instructions/<int:pk>/proposals/<int:proposal_pk>/steps/<str:key>/edit/",
        governance_views.step_edit,
        name="instructions-proposal-step-edit",
    ),
]
