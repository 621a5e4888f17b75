"""Real receivers of the hub's alert notifications, on loopback.

    with WebhookReceiver(secret, port) as hook:    # HTTP server; Standard Webhooks verified
        hook.received                              # [(headers, body dict)] that verified
        hook.rejected                              # requests whose signature did not
    with SmtpServer(tmp_path) as smtp:             # aiosmtpd: STARTTLS + AUTH, a real CA
        smtp.messages                              # [email.message.EmailMessage]

The webhook's signature is checked with the Standard Webhooks reference library
(``standardwebhooks``), not with the hub's own code. The SMTP server requires TLS before
AUTH (``auth_require_tls``) and accepts one user, so a client that skipped STARTTLS or
sent a wrong password fails like it would at a real mail server.
"""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from standardwebhooks import Webhook, WebhookVerificationError

from tests.support.hub import free_port
from tests.support.tls import self_signed

SMTP_USER = "hub@tinh.example.vn"
SMTP_PASSWORD = "smtp-Test-31-rooms"  # noqa: S105 - the test server's account


class WebhookReceiver:
    def __init__(self, secret: str, port: int = 0) -> None:
        self.verifier = Webhook(secret)
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.rejected: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = receiver.verifier.verify(body, headers)
                except WebhookVerificationError as exc:
                    with receiver.lock:
                        receiver.rejected.append(str(exc))
                    self.send_response(401)
                else:
                    with receiver.lock:
                        receiver.received.append((headers, dict(payload)))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-rx")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [body for _, body in self.received]

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


class _Collect:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.content if isinstance(envelope.content, bytes) else b""
        msg = email.message_from_bytes(data, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(msg)  # type: ignore[arg-type]
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpServer:
    def __init__(self, directory: Path) -> None:
        self.cert, self.key = self_signed(directory, "smtp")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert), str(self.key))
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str | None, list[str]]] = []
        self.logins: list[str] = []
        self.lock = threading.Lock()

        def authenticator(
            server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
        ) -> AuthResult:
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == SMTP_USER
                and auth_data.password.decode() == SMTP_PASSWORD
            )
            if ok:
                with self.lock:
                    self.logins.append(mechanism)
            return AuthResult(success=ok)

        self.controller = Controller(
            _Collect(self),
            hostname="127.0.0.1",
            port=free_port(),  # the controller connects to it to see the server is up
            tls_context=context,
            require_starttls=True,
            auth_require_tls=True,
            auth_required=True,
            authenticator=authenticator,
        )

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.controller.stop()
