"""Webhook receivers for tests: real servers on 127.0.0.1, each in its own thread.

``HttpReceiver`` answers like a well-behaved HTTP server; ``RawReceiver`` runs any
behaviour on the raw connection (garbage, silence, a slow drip, an endless answer).
Requests reach them only where the test opened loopback to webhooks (the
``loopback_webhooks`` fixture).
"""

import contextlib
import http.server
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable


class HttpReceiver:
    """Answers each POST with the next of ``answers`` (the last one repeats), recording
    what it was sent (headers, body)."""

    def __init__(
        self,
        answers: list[int],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ):
        self.answers, self.received = list(answers), []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer((host, port), Handler)
        if tls is not None:  # a failed handshake only ends that connection
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class RawReceiver:
    """Accepts connections and hands each to ``behaviour(connection, stop)``; ``stop`` is
    set when the test ends, so a receiver that sleeps or drips ends with it."""

    def __init__(self, behaviour: Callable[[socket.socket, threading.Event], None]):
        self.stop = threading.Event()
        receiver = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                with contextlib.suppress(OSError):  # the client hung up first, as it should
                    behaviour(self.request, receiver.stop)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            block_on_close = False

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
