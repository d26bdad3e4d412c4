"""Fault: the Celery worker is killed with SIGKILL in the middle of a task.

The task is the rollup refresh (personalization.rollups_refresh) over a few hundred thousand
events: real work, long enough to kill it while its queries run. Tasks are acknowledged late
and rejected when their worker is lost, so:
- killing the pool process that runs it makes the same worker run it again;
- killing the whole worker leaves the message unacknowledged on Redis, and another worker gets
  it once the broker's visibility timeout passes (short here, through the environment).
The rollups then exist exactly once: the refresh recomputes under a lock in one transaction, so
the killed runs leave nothing behind and the rerun doubles nothing."""

from __future__ import annotations

import os
import signal
import time

from tests.faults.services import wait_for

EVENTS = 300_000
SHOPPERS = 20_000
VISIBILITY_TIMEOUT = 8  # seconds; longer than one run of the refresh, so a running task is not handed out twice


def _seed_events(stack) -> None:
    products = [p for (p,) in stack.sql("SELECT id FROM configurator_product ORDER BY id")]
    stack.sql("""
        INSERT INTO personalization_shopper (id, created_at, analytics, personalization, marketing, gpc, email, language,
                                            country)
        SELECT md5(g::text)::uuid, now(), true, true, false, false, '', 'en', 'NL' FROM generate_series(0, %s - 1) AS g""",
              (SHOPPERS,))
    stack.sql("""
        INSERT INTO personalization_event (key, type, occurred_at, recorded_at, shopper_id, product_id, "group",
                                           option, properties, scores)
        SELECT gen_random_uuid(),
               CASE WHEN g %% 10 = 0 THEN 'build_saved' WHEN g %% 97 = 0 THEN 'order_placed' ELSE 'option_selected' END,
               now() - (g %% 6) * interval '1 day' - (g %% 3600) * interval '1 second', now(),
               md5((g %% %s)::text)::uuid, (%s::bigint[])[g %% cardinality(%s::bigint[]) + 1], 'wheels', 'r17_aero',
               '{"total": "100.00"}'::jsonb, '{}'::jsonb
        FROM generate_series(1, %s) AS g""", (SHOPPERS, products, products, EVENTS))
    stack.sql("ANALYZE personalization_event")


def _refresh_backends(stack) -> set[int]:
    """The database sessions running the refresh's first counting query (the task is mid-way, with
    more queries to go before it commits). A killed client's session runs on until its query
    ends, so each run is told apart by its session."""
    return {pid for (pid,) in stack.sql("""
        SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
          AND query ILIKE '%%personalization_event%%' AND query ILIKE '%%count(distinct%%'""")}


def _received(apps, worker: str, task_id: str) -> int:
    return apps.log(f"worker-{worker}").count(f"{task_id}] received")


def _rollups_match(stack) -> bool:
    rolled = stack.scalar("SELECT coalesce(sum(selections), 0) FROM personalization_dailyrollup WHERE segment_id IS NULL")
    counted = stack.scalar("SELECT count(*) FROM personalization_event WHERE type = 'option_selected'")
    return rolled == counted


def _pool_children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(p) for p in handle.read().split()]


def test_a_task_killed_mid_way_runs_again_and_its_effect_exists_once(stack):
    apps = stack.apps
    apps.env["ATELIER_BROKER_VISIBILITY_TIMEOUT"] = str(VISIBILITY_TIMEOUT)
    _seed_events(stack)
    first = apps.worker("w1")
    task_id = apps.send("personalization.rollups_refresh")

    # 1. The pool process running it dies: the same worker runs it again.
    first_run = wait_for(lambda: _refresh_backends(stack), timeout=30, interval=0.05)
    assert first_run, apps.log("worker-w1")[-3000:]
    os.kill(_pool_children(first.pid)[0], signal.SIGKILL)
    assert wait_for(lambda: "WorkerLostError" in apps.log("worker-w1"), timeout=10), apps.log("worker-w1")[-3000:]

    # 2. It runs again, and now the whole worker dies: another worker gets it.
    assert wait_for(lambda: _received(apps, "w1", task_id) == 2, timeout=30), apps.log("worker-w1")[-3000:]
    assert wait_for(lambda: _refresh_backends(stack) - first_run, timeout=30, interval=0.05), apps.log("worker-w1")[-3000:]
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert wait_for(lambda: not _refresh_backends(stack), timeout=30)  # PostgreSQL rolled the killed runs back
    assert not _rollups_match(stack)  # the killed runs wrote nothing
    # A worker that starts once the visibility timeout has passed looks for such messages at once
    # (a running one looks every few minutes, see kombu's unacked_restore_interval).
    time.sleep(VISIBILITY_TIMEOUT + 1)
    apps.worker("w2")

    assert wait_for(lambda: f"{task_id}] succeeded" in apps.log("worker-w2"), timeout=60, interval=0.5), (
        apps.log("worker-w2")[-3000:])
    assert f"{task_id}] succeeded" not in apps.log("worker-w1")
    assert _received(apps, "w2", task_id) == 1

    # Exactly once: the counts equal the events, and no rollup row is doubled.
    assert _rollups_match(stack)
    assert stack.scalar("""
        SELECT count(*) FROM (SELECT day, product_id, motivation, segment_id, count(*) FROM personalization_dailyrollup
                              GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) AS doubled""") == 0
    days = stack.scalar("SELECT count(DISTINCT occurred_at::date) FROM personalization_event")
    assert stack.scalar("SELECT count(DISTINCT day) FROM personalization_dailyrollup") >= days - 1
