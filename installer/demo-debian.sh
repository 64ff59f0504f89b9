#!/usr/bin/env bash
# The README's first command: on a fresh Debian/Ubuntu desktop with Python 3.11+, installs
# what the desktop needs (installer/debian-packages.sh), MeterDesk into .venv, then runs
# `meterdesk demo`: an embedded PostgreSQL in MD_HOME, demo data if the database is empty,
# and the desktop's sign-in (admin / admin123). Arguments go to `meterdesk demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
source installer/debian-packages.sh

install_debian_packages "${DESKTOP_PACKAGES[@]}"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "MeterDesk needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)." >&2
    echo "Run again with PYTHON=python3.11 (or newer)." >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q -e .
exec .venv/bin/meterdesk demo "$@"
