"""GET /health/ for operators: the database decides up or down; the rest can degrade."""

from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_everything_answers(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # tasks in-process, as `make run` has them
    response = Client().get("/health/")
    data = response.json()
    assert response.status_code == 200 and data["status"] == "ok"
    assert set(data["checks"]) == {"database", "cache", "broker", "worker"}
    assert all(check["ok"] for check in data["checks"].values())
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_without_the_database_it_is_503_with_json_not_a_stack_trace():
    from django.db import OperationalError

    with mock.patch("atelier.health._database", side_effect=OperationalError("connection refused to 10.0.0.1")):
        response = Client().get("/health/")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "down" and data["checks"]["database"] == {**data["checks"]["database"], "ok": False,
                                                                        "error": "OperationalError"}
    assert "10.0.0.1" not in response.content.decode()  # no details of the infrastructure


def test_without_the_cache_it_is_degraded_but_up():
    with mock.patch("atelier.health._cache", side_effect=ConnectionError("redis down")):
        response = Client().get("/health/")
    assert response.status_code == 200 and response.json()["status"] == "degraded"


def test_only_get():
    assert Client().post("/health/").status_code == 405


@pytest.mark.worker
@pytest.mark.redis
def test_the_real_broker_and_worker_answer(celery_worker_process):
    response = Client().get("/health/")
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] and checks["broker"]["mode"] == "broker"
    assert checks["worker"]["ok"] and checks["worker"]["workers"] >= 1
    assert response.json()["status"] == "ok"
