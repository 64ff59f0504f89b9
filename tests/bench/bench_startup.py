"""Desktop startup benchmark: from launching the program to the sign-in dialog on screen.

    python -m tests.bench.bench_startup [--runs 5]

Budget (issue 4): ≤ 2 s on a 2-core machine. Each run is a fresh Python process doing what
`meterdesk-desktop` does before sign-in (imports, Qt, translations, settings, the embedded
database's start and schema check, the dialog shown offscreen); the embedded database is
already initialised, as on a counter PC after its first day.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BUDGET_S = 2.0

CHILD = """
from PySide6.QtWidgets import QApplication
from desktop.app import ensure_application
from desktop.connection import describe_database, schema_problem
from desktop.login import LoginDialog
from desktop.tasks import TaskRunner
from server.config import load_settings
from server.db.engine import database_url, is_embedded, make_engine, make_sessionmaker

app = ensure_application()
settings = load_settings()
url = database_url(settings)
assert schema_problem(url, embedded=is_embedded(settings)) is None
runner = TaskRunner(make_sessionmaker(make_engine(url)))
dialog = LoginDialog(runner, database=describe_database(url, embedded=is_embedded(settings)))
dialog.show()
QApplication.processEvents()
print("shown", flush=True)
runner.shutdown()
"""


def launch(env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait(timeout=60)
    if line.strip() != "shown":
        raise SystemExit(f"the child did not show the dialog (exit {process.returncode})")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="md_bench_startup_") as home:
        env = {**os.environ, "MD_HOME": home, "QT_QPA_PLATFORM": "offscreen"}
        env.pop("DATABASE_URL", None)
        first = launch(env)  # creates the embedded database and migrates it
        times = [launch(env) for _ in range(args.runs)]
    print(f"first start (creates and migrates the embedded database): {first:.2f} s")
    print(
        f"start to sign-in dialog: median {statistics.median(times):.2f} s, "
        f"slowest {max(times):.2f} s of {args.runs} (budget {BUDGET_S:.1f} s)"
    )


if __name__ == "__main__":
    main()
