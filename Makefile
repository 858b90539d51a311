# The commands of the repository (see README.md). Every target sets up what it
# needs first: the virtualenv, the packages, and for the generators a MySQL
# server (the one named by MYSQL_HOST, or a private MariaDB in .mysql/).
# Each step prints a line as it starts, so a slow first run says what it does.

PYTHON ?= python3
PY := .venv/bin/python
STAMP := .venv/.installed
# Scripts start with "#!/usr/bin/env python3": put the venv's Python first.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

GENERATORS := python-generators-0x00
DECORATORS := python-decorators-0x01
CONTEXT := python-context-async-perations-0x02
UNITTESTS := 0x03-Unittests_and_integration_tests
TASK_FOLDERS := $(GENERATORS) $(DECORATORS) $(CONTEXT) $(UNITTESTS)

.PHONY: demo test check serve serve-mariadb bench setup system-python \
	db-start mysql db-stop users-db newman

# Each task folder's README shows its commands and what they print: the demo
# runs those commands, in that order. It then gives the SQLite folders their
# sample users.db back, so that a learner who runs the README's commands
# next sees what the README shows.
demo: setup system-python db-start users-db
	@$(PY) -m tools.readme $(TASK_FOLDERS)
	@echo "users.db: the sample rows again, so that the scripts print what the READMEs show"
	@$(PY) -m tools.users_db $(DECORATORS) $(CONTEXT)
	@echo "=== messaging_app ==="
	$(PY) -m messaging_app demo

# Lint and types are tests too (tests/test_lint.py), run beside the rest.
# The suite starts hundreds of interpreters: each compiles a module once
# into .venv/pycache, even where PYTHONDONTWRITEBYTECODE is set, instead of
# on every start; the source tree stays free of __pycache__ folders.
TEST_ENV := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX="$(CURDIR)/.venv/pycache"

test: setup system-python newman
	@$(PY) -m tools.mysql_server install
	$(TEST_ENV) $(PY) -m pytest -n auto

serve: setup
	$(PY) -m messaging_app serve

# The chat API on MariaDB: the database "messaging" on the private server
# (or on the one MYSQL_HOST names), created on first start.
serve-mariadb: db-start
	MESSAGING_DATABASE_URL="$$($(PY) -m tools.mysql_server url messaging)" \
		$(PY) -m messaging_app serve

bench: setup
	$(PY) -m bench.run

# The grader's checks, for a learner before submitting: make check, or
# make check FOLDER=python-decorators-0x01 for one folder.
check: setup
	@$(PY) -m tools.check $(or $(FOLDER),$(TASK_FOLDERS))

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt tools/setup_venv.sh
	@echo "Virtualenv: installing the pinned packages into .venv/ (the first time takes about a minute)..."
	@PYTHON=$(PYTHON) tools/setup_venv.sh

# The course's own main files start with #!/usr/bin/python3.
system-python: setup
	@$(PY) -m tools.system_python

db-start: setup
	@$(PY) -m tools.mysql_server ensure

mysql: db-start

db-stop:
	@$(PYTHON) -m tools.mysql_server stop

users-db: setup
	@$(PY) -m tools.users_db $(DECORATORS) $(CONTEXT)

# Newman runs the Postman collection in the tests (see tools/setup_newman.sh).
newman:
	@tools/setup_newman.sh
