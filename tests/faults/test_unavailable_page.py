"""The 503 of atelier/middleware.py, without services: a database error raised by a view or by a
middleware inside it becomes 503 with Retry-After (HTML for pages, JSON for the API and htmx),
and the answer itself needs no database. These tests may not touch the database at all
(no django_db mark), so any query on the way to the 503 would fail them."""

from __future__ import annotations

from unittest import mock

from django.db import InterfaceError, OperationalError
from django.test import Client


def _down(*args, **kwargs):
    raise OperationalError("connection to server at 10.0.0.7, port 5432 failed: Connection refused")


def test_a_page_gets_an_html_503_that_needs_no_database():
    with mock.patch("configurator.selectors.product_list", _down):
        response = Client().get("/en/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html") and int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert "<h1>Back in a moment</h1>" in body and 'lang="en"' in body
    assert "10.0.0.7" not in body and "OperationalError" not in body and "Traceback" not in body


def test_the_api_and_htmx_get_json_detail():
    with mock.patch("configurator.selectors.product_list", _down):
        api = Client().get("/api/products/")
        htmx = Client().get("/en/", headers={"HX-Request": "true"})
    for response in (api, htmx):
        assert response.status_code == 503 and int(response["Retry-After"]) > 0
        assert set(response.json()) == {"detail"} and "10.0.0.7" not in response.content.decode()


def test_a_database_error_in_an_inner_middleware_is_a_503_too():
    """The session, auth and consent middleware sit inside DatabaseUnavailableMiddleware; their
    errors reach it as Django's 500, which it replaces."""
    with mock.patch("configurator.selectors.product_list", return_value=[]), \
         mock.patch("personalization.middleware.pending_write", side_effect=InterfaceError("connection already closed")):
        response = Client(raise_request_exception=False).get("/en/")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert "<h1>Back in a moment</h1>" in response.content.decode()


def test_other_errors_stay_500():
    with mock.patch("configurator.selectors.product_list", side_effect=ValueError("a bug")):
        response = Client(raise_request_exception=False).get("/en/")
    assert response.status_code == 500 and not response.has_header("Retry-After")
