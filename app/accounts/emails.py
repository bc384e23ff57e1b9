"""The account emails, written from plain-text templates in the recipient's language.

A template's first line is `Subject: ...`; the rest is the body.
"""

from __future__ import annotations

import logging
from typing import Any

from app import i18n
from app.config import Settings
from app.mail import send_mail
from app.web.templating import Templates

log = logging.getLogger("academy.mail")


def send(
    templates: Templates, settings: Settings, *, to: str, locale: str, template: str, **context: Any
) -> None:
    with i18n.use_locale(locale):
        text = templates.env.get_template(f"accounts/email/{template}.txt").render(
            base_url=settings.base_url.rstrip("/"), **context
        )
    first, _sep, body = text.partition("\n")
    subject = first.removeprefix("Subject:").strip()
    try:
        send_mail(settings, to=to, subject=subject, body=body.strip() + "\n")
    except OSError:  # SMTP down: the person can ask again; the page must not fail
        log.exception("could not send mail", extra={"template": template})
