"""Outgoing mail: SMTP when ACADEMY_SMTP_HOST is set, otherwise files in <data dir>/outbox.

Plain text only. Messages carry links, never the content of discussions (participants' words stay on
the platform, where access rules apply).

A subject in Russian or Kyrgyz is written as RFC 2047 encoded-words by `email.header.Header`, each a
whole run of characters with its spaces inside it. (The folding of Python 3.11's default policy drops
the space where it breaks a long non-ASCII subject across lines: "Что нового" arrived as "Чтонового".)
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from email.header import Header
from email.message import EmailMessage
from email.policy import Policy
from email.utils import formatdate, make_msgid
from pathlib import Path

from app.config import Settings
from app.db import utcnow
from app.files import private_dir

log = logging.getLogger("academy.mail")


def outbox_dir(settings: Settings) -> Path:
    return settings.ensure_data_dir() / "outbox"


class EncodedSubject(str):
    """A subject that folds itself (the policy asks a header object with a `name` to do so): as
    encoded-words made by `Header`, which keep every space of the text."""

    name = "Subject"

    def fold(self, *, policy: Policy) -> str:
        linesep = policy.linesep
        encoded = Header(str(self), "utf-8", header_name=self.name).encode(linesep=linesep)
        return f"{self.name}: {encoded}{linesep}"


def send_mail(settings: Settings, *, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject if subject.isascii() else EncodedSubject(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="academy.local")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    if settings.smtp_host:
        _send_smtp(settings, message)
    else:
        _write_outbox(settings, message)


def _send_smtp(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    log.info("mail sent by smtp")


def _write_outbox(settings: Settings, message: EmailMessage) -> None:
    folder = private_dir(outbox_dir(settings))  # sign-in links: for the app's account only
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{os.urandom(4).hex()}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(bytes(message))
    log.info("mail written to the outbox", extra={"file": path.name})
