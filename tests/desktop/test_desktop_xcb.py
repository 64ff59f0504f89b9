"""First runs as a person meets them, on an X display through Qt's xcb platform (not
offscreen, as every other desktop test), on a PC that was never set up (no configuration
file, no database in the environment):

- the README's `meterdesk demo` shows the sign-in, never the first-run wizard;
- the desktop as installed shows the wizard, whose 演示和培训 choice fills the embedded
  database with the demo's data before the sign-in;

and in both the password typed into the sign-in opens the main window, and 退出 (Ctrl+Q)
leaves no embedded server running. A system library Qt's xcb platform needs but nothing
installs, or a first screen that waits for what the user cannot give, fails here. .ci/run
installs Xvfb, xdotool and ImageMagick: their absence is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

SIGN_IN_TITLE = "MeterDesk 水电计量收费系统 — 登录"
MAIN_TITLE = "MeterDesk 水电计量收费系统"
WIZARD_TITLE = "MeterDesk 设置向导"
STARTUP_SECONDS = 120  # initdb, the demo's data, Qt's start, the schema check
STEP_SECONDS = 30
SIZE = (1366, 768)


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
        [tool("Xvfb"), "-displayfd", str(write_end), "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24",
         "-nolisten", "tcp"],
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


@dataclass
class NewPC:
    """A program started on the display with a fresh MD_HOME, and what it printed."""

    display: str
    home: Path
    log: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def start(self, *command: str) -> None:
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def windows(self, title: str) -> list[str]:
        found = subprocess.run(
            [tool("xdotool"), "search", "--onlyvisible", "--name", f"^{title}$"],
            env=self.env, capture_output=True, text=True, timeout=STEP_SECONDS,
        )  # fmt: skip
        return found.stdout.split()

    def wait_for_window(self, title: str, seconds: float = STEP_SECONDS) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if found := self.windows(title):
                return found[0]
            time.sleep(0.25)
        said = self.log.read_text(errors="replace")[-3000:]
        pytest.fail(f"no window「{title}」within {seconds} s; the program said:\n{said}")

    def x(self, *args: str) -> None:
        subprocess.run([tool("xdotool"), *args], env=self.env, check=True, timeout=STEP_SECONDS)

    def type_into(self, window: str, *keys: str, text: str = "") -> None:
        # No window manager gives focus: the window takes it, as a PC's would on a click.
        self.x("windowfocus", "--sync", window)
        if text:
            self.x("type", "--delay", "30", text)
        if keys:
            self.x("key", "--delay", "100", *keys)

    def colours_on_screen(self, shot: Path) -> int:
        subprocess.run(
            [tool("import"), "-display", self.display, "-window", "root", str(shot)],
            check=True, timeout=STEP_SECONDS,
        )  # fmt: skip
        with Image.open(shot) as image:
            assert image.size == SIZE
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        return 1 << 16 if colours is None else len(colours)

    def server_stopped(self) -> bool:
        pid_file = self.home / "pgdata" / "postmaster.pid"
        deadline = time.monotonic() + STEP_SECONDS
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.25)
        return not pid_file.exists()

    def sign_in_and_quit(self, shot: Path) -> None:
        sign_in = self.wait_for_window(SIGN_IN_TITLE, STARTUP_SECONDS)
        assert 'platforms/libqxcb.so" loaded library' in self.log.read_text()  # the real one
        self.type_into(sign_in, "Return", text="admin123")
        main = self.wait_for_window(MAIN_TITLE)
        assert self.windows(SIGN_IN_TITLE) == []
        time.sleep(1)  # let the first page paint
        # A black root with nothing drawn has one colour; a painted main window has many.
        assert self.colours_on_screen(shot) > 50
        self.type_into(main, "ctrl+q")  # 退出
        assert self.process is not None and self.process.wait(timeout=STEP_SECONDS) == 0
        # The last process to leave the embedded server stops it.
        assert self.server_stopped(), "the program has exited but its embedded server runs"

    def stop(self) -> None:
        """After a failure: nothing left running for the next test."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=STEP_SECONDS)
        if not self.server_stopped():
            pid_file = self.home / "pgdata" / "postmaster.pid"
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)  # a fast shutdown
            assert self.server_stopped()


@pytest.fixture
def new_pc(display: str, tmp_path: Path) -> Iterator[NewPC]:
    unset = ("DATABASE_URL", "WAYLAND_DISPLAY")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MD_") and k not in unset}
    home = tmp_path / "md_home"
    env.update(MD_HOME=str(home), DISPLAY=display, QT_QPA_PLATFORM="xcb")
    env["QT_LOGGING_RULES"] = "qt.core.library.debug=true"  # which plugins Qt loads
    pc = NewPC(display, home, tmp_path / "output.log", env)
    yield pc
    pc.stop()


def program(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def test_the_demo_opens_the_sign_in_and_signs_in(new_pc: NewPC, tmp_path: Path):
    new_pc.start(program("meterdesk"), "demo", "--accounts", "12")
    new_pc.sign_in_and_quit(tmp_path / "demo.png")
    assert new_pc.windows(WIZARD_TITLE) == []
    assert not (new_pc.home / "meterdesk.toml").exists()  # the demo set nothing up for later


def test_the_installed_desktop_set_up_for_demo_and_training(new_pc: NewPC, tmp_path: Path):
    new_pc.start(program("meterdesk-desktop"))
    wizard = new_pc.wait_for_window(WIZARD_TITLE, STARTUP_SECONDS)
    assert new_pc.colours_on_screen(tmp_path / "wizard.png") > 10
    # ↓ chooses 仅本机的嵌入式数据库 (演示和培训); Enter presses the wizard's 完成.
    new_pc.type_into(wizard, "Down", "Return")
    new_pc.sign_in_and_quit(tmp_path / "desktop.png")
    assert (new_pc.home / "meterdesk.toml").read_text(encoding="utf-8").strip() == (
        '[database]\nurl = ""'
    )
