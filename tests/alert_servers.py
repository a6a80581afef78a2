"""Local stand-ins for delivery: an SMTP server (aiosmtpd) and an HTTP server for webhooks, on 127.0.0.1."""

from __future__ import annotations

import contextlib
import email
import email.policy
import http.server
import json
import os
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Iterator

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Webhooks:
    """What arrived, per path; `fail_next` requests are answered 500 (a webhook that is down)."""

    port: int = 0
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_next: int = 0
    failed: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [body for p, body in self.received if p.split("?")[0] == path]


@contextlib.contextmanager
def webhook_server() -> Iterator[Webhooks]:
    hooks = Webhooks()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if hooks.fail_next > 0:
                hooks.fail_next -= 1
                hooks.failed += 1
                self.send_response(500)
                self.end_headers()
                return
            hooks.received.append((self.path, json.loads(body)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hooks.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def self_signed_context(folder: "os.PathLike[str] | str") -> ssl.SSLContext:
    """A server TLS context with a throwaway self-signed certificate for 127.0.0.1 (openssl)."""
    key, cert = f"{folder}/key.pem", f"{folder}/cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True, timeout=60)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@contextlib.contextmanager
def starttls_smtp_server(folder: str, user: str, password: str) -> Iterator[Mailbox]:
    """SMTP that requires STARTTLS and then a login with `user` and `password`."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (user.encode(), password.encode())
        return AuthResult(success=ok)

    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port, tls_context=self_signed_context(folder),
                            require_starttls=True, authenticator=authenticate, auth_required=True)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
