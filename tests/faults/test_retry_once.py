"""Fault: a client gives up waiting and sends the request again. The database is slow (another
session holds the build or order table), so the first attempt is still running in one gunicorn
worker when the retry reaches the other. Each ends with exactly one build or order, and the retry
gets the answer of the first: the API by its Idempotency-Key, the studio's save form and the
order form by their one-time token."""

from __future__ import annotations

import re
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
import requests

from configurator.demo.catalog import CITY_CAR

SLUG = CITY_CAR["slug"]
FIRST_TIMEOUT = 1.0  # the client's patience for the first attempt


@contextmanager
def table_held(stack, table: str):
    """Another session holds `table` (reads go on, writes wait) until the block ends."""
    with stack.pg.connect(stack.database) as conn, conn.transaction():
        conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        yield


def first_attempt_times_out(send) -> None:
    with pytest.raises(requests.Timeout):
        send(FIRST_TIMEOUT)


def retry_in_background(send) -> tuple[threading.Thread, list]:
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(send(60)), daemon=True)
    thread.start()
    return thread, answers


def retried(stack, table: str, send):
    """The first attempt times out while `table` is held; the retry is sent while the first still
    runs and waits for it; then the table is released. Returns the retry's answer."""
    with table_held(stack, table):
        first_attempt_times_out(send)
        thread, answers = retry_in_background(send)
        time.sleep(1.0)
        assert thread.is_alive(), "the retry should wait for the first attempt"
    thread.join(60)
    assert answers, "the retry got no answer"
    return answers[0]


def test_an_api_save_retried_after_a_timeout_saves_once_and_answers_the_same(stack):
    base = f"http://{stack.apps.gunicorn(workers=2)}"
    http = requests.Session()
    token = http.post(f"{base}/api/builds/", json={"product": SLUG, "selections": {}}, timeout=30).json()["shopper_token"]
    headers = {"X-Atelier-Shopper": token, "Idempotency-Key": str(uuid.uuid4())}
    body = {"product": SLUG, "selections": {}, "name": "Retried over the API"}

    def send(timeout: float) -> requests.Response:
        return requests.post(f"{base}/api/builds/", json=body, headers=headers, timeout=timeout)

    retry = retried(stack, "configurator_build", send)
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    rows = stack.sql("SELECT id FROM configurator_build WHERE name = %s", ("Retried over the API",))
    assert [str(r[0]) for r in rows] == [retry.json()["id"]]
    again = send(30)
    assert again.status_code == 201 and again.content == retry.content  # later retries: the same bytes


def _form(http: requests.Session, base: str, path: str) -> dict[str, str]:
    html = http.get(base + path, timeout=30).text
    return {"once": re.search(r'name="once" value="([^"]+)"', html).group(1),
            "csrfmiddlewaretoken": http.cookies["csrftoken"]}


def test_the_save_and_order_forms_retried_after_a_timeout_act_once(stack):
    base = f"http://{stack.apps.gunicorn(workers=2)}"
    first_browser = requests.Session()
    form = {**_form(first_browser, base, f"/en/configure/{SLUG}/"), "state": "", "name": "Retried in the studio"}

    def save(timeout: float) -> requests.Response:
        # The browser sends the same form again; the first answer, with its new shopper cookie, never arrived.
        return first_browser.post(f"{base}/en/configure/{SLUG}/save/", data=form, allow_redirects=False,
                                  timeout=timeout, headers={"X-CSRFToken": form["csrfmiddlewaretoken"]})

    saved = retried(stack, "configurator_build", save)
    assert saved.status_code == 302, saved.text[:500]
    builds = stack.sql("SELECT id FROM configurator_build WHERE name = %s", ("Retried in the studio",))
    assert len(builds) == 1 and saved.headers["Location"] == f"/en/designs/{builds[0][0]}/"
    assert first_browser.get(base + saved.headers["Location"], timeout=30).status_code == 200  # and it is theirs

    order_path = f"/en/designs/{builds[0][0]}/order/"
    order_form = {**_form(first_browser, base, order_path), "name": "Ann de Vries", "email": "ann@example.com",
                  "country": "NL", "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"}

    def order(timeout: float) -> requests.Response:
        return first_browser.post(base + order_path, data=order_form, allow_redirects=False, timeout=timeout,
                                  headers={"X-CSRFToken": order_form["csrfmiddlewaretoken"]})

    ordered = retried(stack, "configurator_order", order)
    assert ordered.status_code == 302, ordered.text[:500]
    numbers = stack.sql("SELECT number FROM configurator_order WHERE build_id = %s", (builds[0][0],))
    assert len(numbers) == 1 and ordered.headers["Location"] == f"/en/orders/{numbers[0][0]}/"
    assert first_browser.get(base + ordered.headers["Location"], timeout=30).status_code == 200
    assert stack.apps.log("gunicorn").count("Traceback") == 0
