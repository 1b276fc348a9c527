"""The desk sign-in page says who signs in there, and its refusal names the fields it shows."""

import pytest
from django.test import Client

from tests.actors import desk_login, make_employee

pytestmark = pytest.mark.django_db


def test_it_names_every_desk_role():
    page = Client().get("/accounts/login/").content.decode()
    assert "Badge number" in page
    assert "Supervisors, quality engineers, planners, material handlers and admins." in page


def test_it_refuses_a_wrong_password_in_the_words_of_the_form():
    make_employee("400499", "planner")
    page = Client().post("/accounts/login/", {"username": "400499", "password": "wrong"}).content.decode()
    assert "Badge number or password not recognised." in page and "Username" not in page


def test_a_planner_signs_in_there():
    make_employee("400499", "planner")
    assert desk_login(Client(), "400499", "desk-pass-123")
