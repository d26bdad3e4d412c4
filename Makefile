# Atelier. `make run` for the seeded demo, `make test` for the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: bench-scale capacity loadtest-nodes loadtest-profile run test faults worker beat bench loadtest lint deps dev-deps migrate seed messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

migrate: deps
	$(BIN)/python manage.py migrate --noinput

## The demo catalog, the motivation map, the demo segments and experiment, and (once) a few hundred
## simulated shoppers for the reports
seed: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_personalization
	$(BIN)/python manage.py seed_targeting
	$(BIN)/python manage.py simulate_shoppers --shoppers 300 --if-empty

## The seeded demo on SQLite with in-process tasks, at http://127.0.0.1:8000. DEBUG=1 for the
## migrate and seed steps too: only a DEBUG run may go without a SECRET_KEY of its own.
run: export DEBUG := 1
run: seed
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## The whole test suite (SQLite by default; .ci/run sets PostgreSQL, Redis and a worker)
test: dev-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Just the fault scripts (tests/faults): Redis stopped under load, a worker killed mid-task, PostgreSQL
## restarted under load; each on its own throwaway PostgreSQL and Redis (needs PostgreSQL 15 and redis-server)
faults: dev-deps
	$(BIN)/python -m pytest tests/faults $(PYTEST_ARGS)

## One worker for every queue; production may split them (README, Scaling out), e.g.
## `make worker WORKER_QUEUES=celery,renders` and `make worker WORKER_QUEUES=personalization`
WORKER_QUEUES ?= celery,renders,personalization
worker: deps
	$(BIN)/celery -A atelier worker -Q $(WORKER_QUEUES) --loglevel=INFO

beat: deps
	$(BIN)/celery -A atelier beat --loglevel=INFO

## Benchmarks: each prints a ratio against a limit measured in the same run
bench: dev-deps
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## How the load test serves, as README "Scaling out" recommends for a small box: gunicorn's threaded
## workers (4 processes x 2 threads on 2 cores)
SERVE_ARGS ?= --workers 4 --threads 2

## Load: 100 shoppers for 60 s against gunicorn, PostgreSQL, Redis, a Celery worker and beat on
## loopback; then every event is accounted for and every profile must catch up within 60 s
loadtest: dev-deps
	$(BIN)/python bench/loadtest.py $(SERVE_ARGS) $(LOADTEST_ARGS)

## Capacity: the load test at 20, 50, 100 and 150 shoppers, a table in bench/REPORT.md (about 12 minutes)
capacity: dev-deps
	$(BIN)/python bench/capacity.py $(SERVE_ARGS) $(CAPACITY_ARGS)

## The load test on two web nodes behind HAProxy (Debian's haproxy package), a worker for the renders
## queue and one for personalization; stop a node mid-run with e.g. LOADTEST_ARGS="--stop term:web1:30"
loadtest-nodes: dev-deps
	$(BIN)/python bench/loadtest.py --nodes 2 --database atelier_load_nodes --cache-db 11 --broker-db 12 $(LOADTEST_ARGS)

## Cost curves: every step timed at 100k, 1M and 10M events on PostgreSQL (a throwaway database,
## atelier_scale), a table, exponents and a log-log chart in bench/REPORT.md. Long (10M: hours);
## not part of CI, which runs tests/personalization/test_scale_bench.py at 2k and 20k instead.
## Fewer sizes: make bench-scale SCALE_ARGS="--sizes 100000 1000000"
bench-scale: dev-deps
	$(BIN)/python -m bench.scale $(SCALE_ARGS)

## The same load with py-spy on every process: where the time goes (artifacts/load/*/where-time-goes.md)
loadtest-profile: dev-deps
	$(BIN)/python bench/where_time_goes.py $(LOADTEST_ARGS)

lint: dev-deps
	$(BIN)/ruff check .

## Recompile translations after editing locale/*/LC_MESSAGES/django.po (needs gettext)
messages: deps
	$(BIN)/python manage.py makemessages --locale nl --ignore '.venv/*' --ignore 'bench/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles artifacts
