"""A network the tests can break: a TCP hop to PostgreSQL that can be pulled and plugged."""

from __future__ import annotations

import contextlib
import socket
import threading

from sqlalchemy.engine import make_url


class Cable:
    """A TCP hop between the program and PostgreSQL that the test can pull and plug back:
    what a counter PC sees when the campus network drops."""

    def __init__(self, target: tuple[str, int] | str) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.plugged = True
        # lose_answer_to: the marker armed, and set once the server's answer was swallowed.
        self._marker: bytes | None = None
        self._answered: threading.Event | None = None
        threading.Thread(target=self._accept, daemon=True).start()

    def _connect_target(self) -> socket.socket:
        if isinstance(self.target, str):
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            return upstream
        return socket.create_connection(self.target)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.plugged:
                client.close()
                continue
            upstream = self._connect_target()
            self.sockets += [client, upstream]
            for a, b, up in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pump, args=(a, b, up), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, up: bool) -> None:
        try:
            while data := source.recv(65536):
                if not up and self._answered is not None:
                    self._answered.set()  # the answer the program never hears
                    continue
                if up and self._marker is not None and self._marker in data:
                    self._marker, answered = None, threading.Event()
                    self._answered = answered
                    sink.sendall(data)
                    answered.wait(10)
                    self.pull()
                    self._answered = None
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def lose_answer_to(self, marker: bytes) -> None:
        """The next message carrying `marker` (b"COMMIT") reaches the server, the server's
        answer is swallowed, then the cable is pulled: the server did it, the program never
        heard (a primary dying between its commit and the acknowledgement)."""
        self._marker = marker

    def pull(self) -> None:
        self.plugged = False
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.sockets.clear()

    def plug(self) -> None:
        self.plugged = True


def through_cable(url: str) -> tuple[str, Cable]:
    parsed = make_url(url)
    host = parsed.host or str(parsed.query.get("host") or "")
    port = parsed.port or 5432
    socket_dir = host if host.startswith("/") else ""
    cable = Cable(f"{socket_dir}/.s.PGSQL.{port}" if socket_dir else (host, port))
    query = {k: v for k, v in parsed.query.items() if k != "host"}
    routed = parsed.set(host="127.0.0.1", port=cable.port, query=query)
    return routed.render_as_string(hide_password=False), cable
