"""CELERY_TASK_ROUTES: drawing and personalization can run on workers of their own, and a worker
started without -Q still takes every queue (nothing is left waiting in a queue nobody reads)."""

import pytest

from atelier.celery import app

RENDERS = {"configurator.social_card_render", "configurator.social_cards_sweep", "configurator.renders_evict"}


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def atelier_tasks() -> set[str]:
    app.loader.import_default_modules()  # the tasks modules of every app (autodiscovery)
    return {name for name in app.tasks if name.startswith(("configurator.", "personalization."))}


def test_profile_refreshes_and_personalization_sweeps_go_to_the_personalization_queue():
    assert queue_of("personalization.profile_recompute") == "personalization"
    assert queue_of("personalization.profiles_sweep") == "personalization"
    assert {queue_of(name) for name in atelier_tasks() if name.startswith("personalization.")} == {"personalization"}


def test_social_cards_and_the_render_quota_go_to_the_renders_queue():
    assert {queue_of(name) for name in RENDERS} == {"renders"}
    assert atelier_tasks() >= RENDERS  # the routes name tasks that exist


def test_order_e_mails_and_the_health_ping_stay_on_the_default_queue():
    others = {name for name in atelier_tasks() if name.startswith("configurator.")} - RENDERS
    assert {"configurator.order_confirmation_email", "configurator.health_ping"} <= others
    assert {queue_of(name) for name in others} == {"celery"}


def test_every_route_leads_to_a_declared_queue():
    declared = set(app.amqp.queues)
    assert {queue_of(name) for name in atelier_tasks()} <= declared == {"celery", "renders", "personalization"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_started_without_q_consumes_every_queue(celery_worker_process):
    replies = app.control.inspect(timeout=5).active_queues() or {}
    consumed = {queue["name"] for name, queues in replies.items() if name.startswith("test-") for queue in queues}
    assert consumed == {"celery", "renders", "personalization"}
