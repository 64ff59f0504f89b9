#!/usr/bin/env bash
# Builds the desktop's one-folder bundle (build/dist/meterdesk-desktop) with PyInstaller and
# starts it the way a new PC would: --version, then the screenshots offscreen on an empty
# MD_HOME (so the embedded PostgreSQL inside the bundle is initialised and migrated).
# A bundle that misses a module, a data file or a Qt plugin fails here, not at a counter.
# Run from anywhere; uses the repository's .venv (.ci/run makes it).
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/python -m pip install -q "pyinstaller>=6.10"

started=$(date +%s)
.venv/bin/pyinstaller installer/meterdesk.spec --noconfirm --log-level WARN \
    --distpath build/dist --workpath build/work
seconds=$(($(date +%s) - started))
bundle=build/dist/meterdesk-desktop
echo "bundle built in ${seconds} s: $(du -sh "$bundle" | cut -f1) in $bundle"

version=$("$bundle/meterdesk-desktop" --version)
expected="meterdesk-desktop $(.venv/bin/python -c 'import server; print(server.__version__)')"
if [ "$version" != "$expected" ]; then
    echo "bundle --version printed '$version', expected '$expected'" >&2
    exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
env -u DATABASE_URL QT_QPA_PLATFORM=offscreen MD_HOME="$scratch/home" \
    "$bundle/meterdesk-desktop" --screenshots "$scratch/shots"
if [ ! -s "$scratch/shots/login.png" ]; then
    echo "bundle --screenshots wrote no login.png" >&2
    exit 1
fi
echo "bundle starts: $version, screenshots $(ls "$scratch/shots" | tr '\n' ' ')"
