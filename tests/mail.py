"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a free port, that keeps every
message it receives, parsed with the `email` package.

    with MailServer() as mail:                       # or the `smtp_server` fixture
        ... send ...
        message = mail.wait_for("someone@example.org")
        link = mail.link_in(message, "/uitnodiging/")

The server runs in a thread of this process; the Django server under test (a process of its own
in the browser tests) reaches it with EMAIL_HOST/EMAIL_PORT."""

import email
import email.policy
import logging
import re
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

# aiosmtpd logs every connection from its own thread, also after a test's captured output was
# closed ("Logging error ... I/O operation on closed file"); its debug chatter is not ours.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, smtp_server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class MailServer:
    host = "127.0.0.1"

    def __init__(self):
        self.port = _free_port()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Collector(self), hostname=self.host, port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def env(self) -> dict:
        """Settings for a server process (env vars read by settings/base.py)."""
        return {"EMAIL_HOST": self.host, "EMAIL_PORT": str(self.port)}

    def to(self, address: str) -> list[EmailMessage]:
        address = address.lower()
        with self.lock:
            return [m for rcpt, m in self.messages if address in (r.lower() for r in rcpt)]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10) -> EmailMessage:
        """The `count`-th message to `address`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.to(address)
            if len(received) >= count:
                return received[count - 1]
            if time.monotonic() > deadline:
                raise AssertionError(f"No message {count} for {address}: {len(received)} arrived")
            time.sleep(0.05)

    @staticmethod
    def body(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @classmethod
    def link_in(cls, message: EmailMessage, path_part: str) -> str:
        """The first link in the message's text whose path contains `path_part`."""
        for link in re.findall(r"https?://\S+", cls.body(message)):
            if path_part in link:
                return link
        raise AssertionError(f"No link with {path_part} in:\n{cls.body(message)}")


@pytest.fixture
def smtp_server():
    with MailServer() as server:
        yield server


@pytest.fixture
def smtp_settings(smtp_server, settings):
    """Django in this process sends its mail to `smtp_server` over real SMTP."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server
