"""Two `meterdesk serve` processes behind Debian's nginx, configured from
installer/nginx-meterdesk.conf.sample (TLS taken off, the two instances as its upstream),
all on loopback. Requests go to the instances in turn; a resident's signed-in session, an
SMS code sent by one instance and checked by the other, and the per-phone rate limit hold
across them: the service keeps none of these in its own memory."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.companion.support import csrf_of, free_port

SAMPLE = Path(__file__).resolve().parents[2] / "installer" / "nginx-meterdesk.conf.sample"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PHONE = "13800138000"


def nginx_config(sample: str, listen: int, upstreams: list[int], folder: Path) -> str:
    """The sample as served on 127.0.0.1:`listen` over plain HTTP to `upstreams`: the
    redirect-to-HTTPS server and the TLS lines dropped, nothing else changed; each
    answer says which instance gave it (X-Upstream)."""
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in upstreams)
    body = re.sub(
        r"upstream meterdesk_companion \{.*?\n\}",
        "upstream meterdesk_companion {\n" + servers + "    keepalive 16;\n}",
        sample,
        flags=re.S,
    )
    body = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", body, count=1, flags=re.S)
    kept = []
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith(("listen [::]", "http2", "ssl_", "add_header Strict")):
            continue
        if stripped == "listen 443 ssl;":
            line = (
                f"    listen 127.0.0.1:{listen};\n    add_header X-Upstream $upstream_addr always;"
            )
        kept.append(line)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\ndaemon off;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n    access_log off;\n{temp}" + "\n".join(kept) + "\n}\n"
    )


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        assert process.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"{url} did not answer"
        time.sleep(0.2)


@pytest.fixture
def behind_nginx(md_env: str, tmp_path: Path) -> Iterator[tuple[str, list[int]]]:
    """nginx's URL and the two instances' ports."""
    env = {
        **os.environ,
        "MD_COMPANION_SECRET_KEY": "shared-secret-of-every-instance-0123",
        "MD_COMPANION_DEV_LOGIN": "true",
    }
    ports, logs, processes = [free_port(), free_port()], [], []
    try:
        for number, port in enumerate(ports):
            log = tmp_path / f"serve{number}.log"
            logs.append(log)
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "server.cli",
                            "serve",
                            "--port",
                            str(port),
                            "--workers",
                            "1",
                            "--no-jobs",
                        ],
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        for port, process, log in zip(ports, processes, logs, strict=True):
            wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        listen = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(nginx_config(SAMPLE.read_text(), listen, ports, tmp_path))
        nginx_log = tmp_path / "error.log"
        processes.append(
            subprocess.Popen(
                [NGINX, "-c", str(conf), "-p", str(tmp_path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        nginx_log.touch()
        wait_for(f"http://127.0.0.1:{listen}/healthz", processes[-1], nginx_log)
        yield f"http://127.0.0.1:{listen}", ports
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=20)


def sms_codes(home: Path) -> list[str]:
    """The codes the console sender logged (MD_HOME/logs, written by every instance)."""
    log = (home / "logs" / "meterdesk.log").read_text(encoding="utf-8")
    return re.findall(rf"SMS \(console sender, not sent\) to {PHONE}: \D*(\d{{6}})", log)


def test_a_residents_session_code_and_rate_limit_hold_across_two_instances(
    behind_nginx, tmp_path: Path
):
    url, ports = behind_nginx
    home = tmp_path / "md_home"
    upstreams = {f"127.0.0.1:{port}": number for number, port in enumerate(ports)}
    browser = requests.Session()

    def served_by(response: requests.Response) -> int:
        return upstreams[response.headers["X-Upstream"]]

    login = browser.get(f"{url}/h5/login", timeout=10)
    signed = browser.post(
        f"{url}/h5/dev-login",
        data={"openid": "o-two-instances", "csrf_token": csrf_of(login.text)},
        timeout=10,
    )
    # nginx takes the instances in turn: the sign-in went to the one the login page did not.
    assert served_by(signed.history[0] if signed.history else signed) != served_by(login)

    # Signed in on both: four requests in turn, two on each, none sent back to sign in.
    homes = [browser.get(f"{url}/h5/", timeout=10, allow_redirects=False) for _ in range(4)]
    assert [r.status_code for r in homes] == [200] * 4
    assert sorted(served_by(r) for r in homes) == [0, 0, 1, 1]
    assert all("/h5/login" not in r.text for r in homes)

    form = browser.get(f"{url}/h5/register", timeout=10)
    token = csrf_of(form.text)
    sent = browser.post(
        f"{url}/h5/register/code", data={"phone": PHONE, "csrf_token": token}, timeout=10
    )
    assert "验证码已发送，5 分钟内有效" in sent.text
    sender = served_by(sent)
    [code] = sms_codes(home)
    # At once again: the other instance refuses it (one code a minute per phone).
    again = browser.post(
        f"{url}/h5/register/code", data={"phone": PHONE, "csrf_token": token}, timeout=10
    )
    assert served_by(again) == 1 - sender
    assert again.status_code == 400
    assert "验证码已发送，请 1 分钟后再试" in again.text
    assert sms_codes(home) == [code]
    # The code one instance sent is checked by the other.
    assert served_by(browser.get(f"{url}/h5/register", timeout=10)) == sender
    registered = browser.post(
        f"{url}/h5/register",
        data={"phone": PHONE, "code": code, "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )
    assert served_by(registered) == 1 - sender
    assert (registered.status_code, registered.headers["location"]) == (
        303,
        "/h5/bindings?registered=1",
    )
    bindings = browser.get(f"{url}/h5/bindings?registered=1", timeout=10)
    assert served_by(bindings) == sender
    assert bindings.status_code == 200
