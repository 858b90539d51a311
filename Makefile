# The commands of the repository (see README.md). Every target sets up what it
# needs first: the virtualenv, the packages, and for the generators a MySQL
# server (the one named by MYSQL_HOST, or a private MariaDB in .mysql/).

PYTHON ?= python3
PY := .venv/bin/python
STAMP := .venv/.installed
# Scripts start with "#!/usr/bin/env python3": put the venv's Python first.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

GENERATORS := python-generators-0x00
DECORATORS := python-decorators-0x01
CONTEXT := python-context-async-perations-0x02
UNITTESTS := 0x03-Unittests_and_integration_tests
PY_FILES = $(shell git ls-files -co --exclude-standard '*.py')

.PHONY: demo test serve bench setup mysql db-stop users-db newman lint

demo: mysql users-db
	@echo "=== $(GENERATORS) ==="
	cd $(GENERATORS) && ./0-main.py && ./1-main.py
	cd $(GENERATORS) && ./2-main.py | head -n 5
	cd $(GENERATORS) && ./3-main.py | head -n 7
	cd $(GENERATORS) && ./4-stream_ages.py && ./3-average_age.py
	@echo "=== $(DECORATORS) ==="
	cd $(DECORATORS) && ./0-log_queries.py && ./1-with_db_connection.py \
		&& ./2-transactional.py && ./3-retry_on_failure.py \
		&& ./4-cache_query.py
	@echo "=== $(CONTEXT) ==="
	cd $(CONTEXT) && ./0-databaseconnection.py && ./1-execute.py \
		&& ./3-concurrent.py
	@echo "=== $(UNITTESTS) ==="
	cd $(UNITTESTS) && python -m unittest -v test_utils.py test_client.py
	@echo "=== messaging_app ==="
	$(PY) -m messaging_app demo

test: setup newman
	@$(PY) -m tools.mysql_server install
	@echo "Lint: pycodestyle (79 columns) and pyflakes on every Python file"
	@$(PY) -m pycodestyle $(PY_FILES)
	@$(PY) -m pyflakes $(PY_FILES)
	$(PY) -m pytest

serve: setup
	$(PY) -m messaging_app serve

bench: setup
	$(PY) -m bench.run

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt tools/setup_venv.sh
	@PYTHON=$(PYTHON) tools/setup_venv.sh

mysql: setup
	@$(PY) -m tools.mysql_server ensure

db-stop:
	@$(PYTHON) -m tools.mysql_server stop

users-db: setup
	@$(PY) -m tools.users_db $(DECORATORS) $(CONTEXT)

# Newman runs the Postman collection in the tests (see tools/setup_newman.sh).
newman:
	@tools/setup_newman.sh
