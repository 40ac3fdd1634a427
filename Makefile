# Film Room: `make run` starts the whole site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# Where the site keeps its database, media and sockets (FILMROOM_VAR moves it), and where it listens.
VAR ?= $(or $(FILMROOM_VAR),var)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-scaleout setup lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when requirements.txt changed (a no-op otherwise).
$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP) node_modules
	$(PY) manage.py migrate --noinput -v 0

# Front-end libraries (the bracket viewer) from the committed package-lock.json.
node_modules: package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules

run: setup
	$(PY) manage.py demo
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

test: setup
	$(PY) -m pytest

# Every benchmark, one after another, into one Markdown report (var/bench/report.md); ~30 min.
bench: setup
	$(PY) -m coach.bench_report

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VAR)/static $(VAR)/media $(VAR)/demo-media $(VAR)/*.sqlite3* $(VAR)/redis.* \
		$(VAR)/demo_login.txt $(VAR)/serve.groups $(VAR)/cache

# The scale-out profile: the database, queue and websocket tests against a throwaway PostgreSQL
# cluster and a standalone redis-server (Debian's packages), both stopped however pytest ends.
# Not the browser tests nor the other live-site ones: those run the embedded stack of `make run`.
SCALEOUT_TESTS := tests/coach tests/replays tests/tournaments tests/scaleout
test-scaleout: setup
	$(PY) -m tests.services $(SCALEOUT_TESTS) -m "scaleout or not (browser or slow)"
