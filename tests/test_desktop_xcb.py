"""The README's first command as a person meets it: `meterdesk demo` on a PC with no
configuration file starts the real desktop on an X display through Qt's xcb platform (not
offscreen, as every other desktop test), shows the sign-in (not the first-run wizard), and
signs in with keys typed into the window.

A system library Qt's xcb platform needs but nothing installs, or a first screen that waits
for an answer the demo never needs, fails here. .ci/run installs Xvfb, xdotool and
ImageMagick: their absence is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

SIGN_IN_TITLE = "MeterDesk 水电计量收费系统 — 登录"
MAIN_TITLE = "MeterDesk 水电计量收费系统"
STARTUP_SECONDS = 120  # initdb, seeding 12 demo accounts, Qt's start, the schema check
STEP_SECONDS = 30


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed (.ci/run installs it: installer/debian-packages.sh)"
    return path


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh Xvfb on a display number it picks itself (-displayfd), so parallel runs and
    a desktop session on :0 don't collide."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [tool("Xvfb"), "-displayfd", str(write_end), "-screen", "0", "1366x768x24", "-nolisten",
         "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write_end)
    try:
        with os.fdopen(read_end) as announced:
            number = announced.readline().strip()
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for(what: str, probe: Callable[[], str | None], seconds: float, log: Path) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.25)
    pytest.fail(f"no {what} within {seconds} s; the demo said:\n{log.read_text()[-3000:]}")


def stopped(pgdata: Path) -> bool:
    deadline = time.monotonic() + STEP_SECONDS
    while (pgdata / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.25)
    return not (pgdata / "postmaster.pid").exists()


def test_the_demo_opens_the_sign_in_on_x_and_signs_in(display, tmp_path: Path):
    xdotool = tool("xdotool")
    home = tmp_path / "md_home"
    # A PC never set up: no configuration file and no database in the environment (either
    # would count as set up), so the demo makes its embedded database in MD_HOME.
    unset = ("DATABASE_URL", "WAYLAND_DISPLAY")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MD_") and k not in unset}
    env.update(MD_HOME=str(home), DISPLAY=display, QT_QPA_PLATFORM="xcb")
    env["QT_LOGGING_RULES"] = "qt.core.library.debug=true"  # which plugins Qt loads

    def windows(title: str) -> list[str]:
        found = subprocess.run(
            [xdotool, "search", "--onlyvisible", "--name", f"^{title}$"],
            env=env, capture_output=True, text=True, timeout=STEP_SECONDS,
        )  # fmt: skip
        return found.stdout.split()

    def first_window(title: str) -> str | None:
        return next(iter(windows(title)), None)

    def x(*args: str) -> None:
        subprocess.run([xdotool, *args], env=env, check=True, timeout=STEP_SECONDS)

    pgdata = home / "pgdata"
    log = tmp_path / "demo.log"
    meterdesk = str(Path(sys.executable).with_name("meterdesk"))
    with log.open("w") as output:
        demo = subprocess.Popen(
            [meterdesk, "demo", "--accounts", "12"],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        sign_in = wait_for("sign-in window", lambda: first_window(SIGN_IN_TITLE),
                           STARTUP_SECONDS, log)  # fmt: skip
        qt_log = log.read_text()
        assert 'platforms/libqxcb.so" loaded library' in qt_log  # the real platform
        # No window manager gives focus: the sign-in takes it, as a PC's would on a click.
        x("windowfocus", "--sync", sign_in)
        x("type", "--delay", "30", "admin123")
        x("key", "Return")
        main = wait_for("main window", lambda: first_window(MAIN_TITLE), STEP_SECONDS, log)
        assert windows(SIGN_IN_TITLE) == []
        time.sleep(1)  # let the first page paint
        shot = tmp_path / "desktop.png"
        subprocess.run(
            [tool("import"), "-display", display, "-window", "root", str(shot)],
            check=True, timeout=STEP_SECONDS,
        )  # fmt: skip
        with Image.open(shot) as image:
            assert image.size == (1366, 768)
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        # A black root with nothing drawn has one colour; a painted main window has many.
        assert colours is None or len(colours) > 50
        x("windowfocus", "--sync", main)
        x("key", "ctrl+q")  # 退出: the desktop exits, and the demo after it
        assert demo.wait(timeout=STEP_SECONDS) == 0
        # The last process to leave the embedded server stops it.
        assert stopped(pgdata), "the demo has exited but its embedded server still runs"
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGTERM)
            demo.wait(timeout=STEP_SECONDS)
        if not stopped(pgdata):  # not left behind by a failure
            postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
            os.kill(postmaster, signal.SIGINT)  # a fast shutdown
            assert stopped(pgdata)
    assert not (home / "meterdesk.toml").exists()  # the demo set nothing up for later
