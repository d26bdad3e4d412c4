"""On SQLite (`make run`), two writers that meet wait for each other instead of failing.

A click writes its event in a transaction that reads first; beside a periodic task writing in the
same process (atelier/periodic.py) it failed at once with "database is locked" and the shopper's
click was answered 503. Run in a subprocess on a file database, as `make run` has it.
"""

import os
import subprocess
import sys

SCRIPT = """
import threading, time
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE clicks (n integer)")
connection.close()
holding, failures = threading.Event(), []

def task():  # a periodic task: writes, then keeps its transaction open a moment
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO clicks VALUES (1)")
                holding.set()
                time.sleep(0.5)
    finally:
        holding.set()
        connection.close()

thread = threading.Thread(target=task)
thread.start()
holding.wait()
try:  # a click: reads, then writes its event, while the task holds the lock
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM clicks")
            cursor.execute("INSERT INTO clicks VALUES (2)")
except Exception as exc:
    failures.append(repr(exc))
thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM clicks")
    print(failures or cursor.fetchone()[0])
"""


def test_a_click_beside_a_writing_task_waits_for_it_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")}
    env.update(DJANGO_SETTINGS_MODULE="atelier.settings", DEBUG="1",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "2"
