from django.urls import path

from languages import views

urlpatterns = [
    path("review/", views.review_list, name="languages-review"),
    path("review/<int:pk>/approve/", views.review_approve, name="languages-review-approve"),
    path("review/<int:pk>/reject/", views.review_reject, name="languages-review-reject"),
]
