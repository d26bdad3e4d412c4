"""GET /health/ for operators: the database decides up or down; the rest can degrade. The public
sees only the status; staff and a monitoring token see the checks."""

import errno
from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TOKEN = "a-monitoring-token-from-the-environment"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.ATELIER_HEALTH_TOKEN = TOKEN


@pytest.fixture(autouse=True)
def _no_storage_failures():
    from atelier.storage import storage_failures_forget

    storage_failures_forget()
    yield
    storage_failures_forget()


def detailed(**headers):
    return Client().get("/health/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)


@pytest.fixture(autouse=True)
def _in_process_tasks(request, settings):
    """Tasks in-process, as `make run` has them, so "ok" needs no worker (except the worker test)."""
    if "celery_worker_process" not in request.fixturenames:
        settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def staff_client(django_user_model, settings):
    settings.AXES_ENABLED = False  # (login throttling is tested on its own; force_login has no address)
    client = Client()
    client.force_login(django_user_model.objects.create_user("ops", password="x", is_staff=True))
    return client


def test_everything_answers():
    response = detailed()
    data = response.json()
    assert response.status_code == 200 and data["status"] == "ok"
    assert set(data["checks"]) == {"database", "cache", "broker", "worker", "storage"}
    assert all(check["ok"] for check in data["checks"].values())
    assert data["checks"]["storage"]["free_mb"] > 0
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_the_public_sees_only_the_overall_status():
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "Authorization" in response["Vary"] and "Cookie" in response["Vary"]


def test_a_wrong_token_or_another_scheme_sees_only_the_status():
    assert Client().get("/health/", HTTP_AUTHORIZATION="Bearer not-the-token").json() == {"status": "ok"}
    assert Client().get("/health/", HTTP_AUTHORIZATION=f"Basic {TOKEN}").json() == {"status": "ok"}


def test_no_token_configured_means_no_token_is_accepted(settings):
    settings.ATELIER_HEALTH_TOKEN = ""
    assert Client().get("/health/", HTTP_AUTHORIZATION="Bearer ").json() == {"status": "ok"}


def test_the_token_sees_the_details():
    checks = detailed().json()["checks"]
    assert {"ok", "ms"} <= set(checks["database"])


def test_staff_see_the_details(staff_client):
    data = staff_client.get("/health/").json()
    assert data["status"] == "ok" and "worker" in data["checks"]


def test_a_logged_in_shopper_who_is_not_staff_sees_only_the_status(django_user_model, settings):
    settings.AXES_ENABLED = False
    client = Client()
    client.force_login(django_user_model.objects.create_user("shopper", password="x"))
    assert client.get("/health/").json() == {"status": "ok"}


def test_without_the_database_it_is_503_with_json_not_a_stack_trace():
    from django.db import OperationalError

    with mock.patch("atelier.health._database", side_effect=OperationalError("connection refused to 10.0.0.1")):
        public = Client().get("/health/")
        response = detailed()
    assert public.status_code == 503 and public.json() == {"status": "down"}
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "down" and data["checks"]["database"] == {**data["checks"]["database"], "ok": False,
                                                                        "error": "OperationalError"}
    assert "10.0.0.1" not in response.content.decode()  # no details of the infrastructure


def test_staff_with_the_database_down_get_the_public_answer_not_an_error(staff_client):
    from django.db import OperationalError

    with (mock.patch("atelier.health._database", side_effect=OperationalError("down")),
          mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=OperationalError("down"))):
        response = staff_client.get("/health/")
    assert response.status_code == 503 and response.json() == {"status": "down"}


def test_without_the_cache_it_is_degraded_but_up():
    with mock.patch("atelier.health._cache", side_effect=ConnectionError("redis down")):
        response = Client().get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "degraded"}


def test_a_render_that_could_not_be_stored_makes_storage_degraded():
    from atelier.storage import storage_failed

    storage_failed(OSError(errno.ENOSPC, "No space left on device"))
    response = detailed()
    data = response.json()
    assert response.status_code == 200 and data["status"] == "degraded"
    assert data["checks"]["storage"]["ok"] is False and data["checks"]["storage"]["error"] == "ENOSPC"
    assert Client().get("/health/").json() == {"status": "degraded"}


def test_a_failed_write_is_forgotten_after_a_minute():
    from atelier import storage

    storage.storage_failed(OSError(errno.ENOSPC, "No space left on device"))
    with mock.patch("atelier.storage.time.time", return_value=storage.time.time() + storage.FAILURE_SECONDS + 1):
        assert storage.storage_problem() is None


def test_storage_below_the_free_space_floor_is_degraded(settings):
    settings.ATELIER_STORAGE_MIN_FREE_BYTES = 2**62  # more than any disk has free
    data = detailed().json()
    assert data["status"] == "degraded" and data["checks"]["storage"]["error"] == "ENOSPC"


def test_only_get():
    assert Client().post("/health/").status_code == 405


@pytest.mark.worker
@pytest.mark.redis
def test_the_real_broker_and_worker_answer(celery_worker_process):
    response = detailed()
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] and checks["broker"]["mode"] == "broker"
    assert checks["worker"]["ok"] and checks["worker"]["workers"] >= 1
    assert response.json()["status"] == "ok"
    assert set(Client().get("/health/").json()) == {"status"}  # no worker count for the public


def test_head_answers_the_status_code_from_the_database_alone():
    """A load balancer's check (HEAD): no worker ping, cache or broker round trip per poll."""
    with mock.patch("atelier.health._worker") as worker, mock.patch("atelier.health._cache") as cache_check:
        response = Client().head("/health/")
    assert response.status_code == 200 and not worker.called and not cache_check.called
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_head_is_503_without_the_database():
    from django.db import OperationalError

    with mock.patch("atelier.health._database", side_effect=OperationalError("down")):
        assert Client().head("/health/").status_code == 503
