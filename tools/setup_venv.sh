#!/bin/sh
# Create .venv and install the pinned packages. Run by every make target, so
# it stops with one sentence when the machine lacks something it cannot fix.
set -e
PYTHON=${PYTHON:-python3}

fail() {
    echo "$1" >&2
    exit 1
}

command -v "$PYTHON" >/dev/null 2>&1 ||
    fail "Python 3.10 or newer is needed: install it (apt-get install -y python3 python3-venv)."
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
    fail "Python 3.10 or newer is needed; $PYTHON is $("$PYTHON" --version 2>&1)."

if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
        rm -rf .venv
        # Debian ships venv separately; root may install it, others are told.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            apt-get update -q >/dev/null &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null &&
                "$PYTHON" -m venv .venv ||
                fail "Could not create the virtualenv even after installing python3-venv."
        else
            fail "The Python venv module is missing: run 'sudo apt-get install -y python3-venv'."
        fi
    fi
fi

.venv/bin/python -m pip install -q --disable-pip-version-check \
    -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c 'import mysql.connector, jwt, aiosqlite, pytest' 2>/dev/null ||
    fail "Installing the Python packages failed: run '.venv/bin/pip install -r requirements-dev.txt' to see why."
touch .venv/.installed
