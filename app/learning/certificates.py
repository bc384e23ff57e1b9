"""Certificates of completion: issuing, the PDF, the public check, and revocation.

The code is 20 characters from a 31-letter alphabet (about 99 bits): it cannot be guessed, and it can be
read aloud or typed from paper. The PDF is drawn with fpdf2 in DejaVu Sans (embedded, subset), which
has the Kyrgyz letters ң, ө and ү.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import i18n
from app.accounts import service as accounts_service
from app.courses import service as courses_service
from app.courses.service import CourseOutline
from app.db import utcnow
from app.learning.exceptions import CertificateNameInvalid, CertificateNotFound, NotCompleted
from app.learning.models import Certificate
from app.learning.service import enrolment, new_code

FONTS = Path(__file__).parent / "fonts"
CODE_LENGTH = 20
CODE_MAX = 40  # what a typed code is cut to, once spaces and dashes are gone

# Re-exported: the routes and the tests name them as certificates.X.
__all__ = ["CertificateNameInvalid", "CertificateNotFound", "NotCompleted"]


def issue(
    session: Session, *, user_id: int, course: CourseOutline, name: str, locale: str, today: dt.date
) -> Certificate:
    """Her certificate for the course, issued now if it is not yet; only once the course is complete."""
    existing = session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course.id)
    ).one_or_none()
    if existing is not None and existing.revoked_at is None:
        return existing
    found = enrolment(session, user_id=user_id, course_id=course.id)
    if found is None or found.completed_at is None:
        raise NotCompleted()
    if not 2 <= len(name) <= 120:
        raise CertificateNameInvalid()
    if existing is not None:  # revoked: the new one replaces it under a new code
        session.delete(existing)
        session.flush()
    certificate = Certificate(
        code=new_code(CODE_LENGTH),
        user_id=user_id,
        course_id=course.id,
        name=name,
        course_title=course.title,
        hours=course.hours,
        locale=locale,
        issued_on=today,
    )
    session.add(certificate)
    session.flush()
    return certificate


def normal_code(code: str) -> str:
    """A code as typed or read aloud ("abcde-fghij ..."): letters and digits only, upper case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:CODE_MAX]


@dataclass(frozen=True)
class CertificatePage:
    course: CourseOutline
    certificate: Certificate | None  # hers, if issued and not revoked


def page_of(session: Session, *, user_id: int, slug: str, locale: str) -> CertificatePage:
    """Her certificate of a course she completed, or none yet (NotCompleted before she completes it)."""
    outline = courses_service.outline(session, slug=slug, locale=locale)
    found = enrolment(session, user_id=user_id, course_id=outline.id)
    if found is None or found.completed_at is None:
        raise NotCompleted()
    existing = next(
        (c for c in of_user(session, user_id=user_id) if c.course_id == outline.id and not c.revoked_at), None
    )
    return CertificatePage(outline, existing)


def course_of(session: Session, *, slug: str, locale: str) -> CourseOutline:
    """The course a certificate form is for (its page shown again with her name and the reason)."""
    return courses_service.outline(session, slug=slug, locale=locale)


def issue_for(
    session: Session, *, user_id: int, slug: str, name: str, locale: str, today: dt.date
) -> Certificate:
    """`issue` for the course with this slug, in her language."""
    outline = courses_service.outline(session, slug=slug, locale=locale)
    return issue(session, user_id=user_id, course=outline, name=name, locale=locale, today=today)


def by_code(session: Session, code: str) -> Certificate:
    found = session.scalars(
        sa.select(Certificate).where(Certificate.code == code.strip().upper())
    ).one_or_none()
    if found is None:
        raise CertificateNotFound()
    return found


def find(session: Session, code: str) -> Certificate | None:
    """The certificate with this code, if any (an administrator's search)."""
    try:
        return by_code(session, code) if code else None
    except CertificateNotFound:
        return None


def downloadable(session: Session, *, code: str, user_id: int, sees_all: bool) -> Certificate:
    """Her own certificate (or anyone's, for whoever may revoke them); someone else's is as if it did
    not exist."""
    certificate = by_code(session, code)
    if certificate.user_id != user_id and not sees_all:
        raise CertificateNotFound()
    return certificate


def of_user(session: Session, *, user_id: int) -> list[Certificate]:
    return list(
        session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.issued_on.desc())
        )
    )


def revoke(session: Session, *, code: str, reason: str) -> Certificate:
    certificate = by_code(session, code)
    if certificate.revoked_at is None:
        certificate.revoked_at, certificate.revoked_reason = utcnow(), reason
        session.flush()
    return certificate


def revoke_by(session: Session, *, actor_id: int, code: str, reason: str) -> Certificate:
    """`revoke`, recorded in the audit log under the administrator's name."""
    certificate = revoke(session, code=code, reason=reason)
    actor = accounts_service.get_user(session, actor_id)
    holder = accounts_service.get_user(session, certificate.user_id) if certificate.user_id else None
    accounts_service.record(
        session, actor=actor, action="certificate.revoke", target=holder, detail=certificate.code
    )
    return certificate


def pretty_code(code: str) -> str:
    return "-".join(code[index : index + 5] for index in range(0, len(code), 5))


@dataclass(frozen=True)
class CertificateText:
    heading: str
    states: str
    course_line: str
    hours_line: str
    date_line: str
    code_line: str
    verify_line: str


def pdf(certificate: Certificate, *, base_url: str) -> bytes:
    """The certificate as an A4 landscape PDF, in the language it was issued in."""
    from babel.dates import format_date
    from fpdf import FPDF  # imported here: only this page needs it, and it is not light

    with i18n.use_locale(certificate.locale):
        text = CertificateText(
            heading=i18n.gettext("Certificate of completion"),
            states=i18n.gettext("This certifies that"),
            course_line=i18n.gettext("has completed the course"),
            hours_line=i18n.gettext("Study time: %(duration)s")
            % {"duration": i18n.format_hours(certificate.hours, certificate.locale)},
            date_line=format_date(certificate.issued_on, format="long", locale=certificate.locale),
            code_line=i18n.gettext("Certificate code: %(code)s") % {"code": pretty_code(certificate.code)},
            verify_line=i18n.gettext("Check it at %(url)s")
            % {"url": f"{base_url.rstrip('/')}/verify/{certificate.code}"},
        )
        academy = i18n.gettext("Civic Space Academy")

    document = FPDF(orientation="L", unit="mm", format="A4")
    document.set_title(f"{text.heading}: {certificate.name}")
    document.set_author(academy)
    document.set_creator(academy)
    document.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    document.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    document.set_auto_page_break(False)
    document.add_page()
    document.set_draw_color(11, 79, 108)
    document.set_line_width(1.2)
    document.rect(10, 10, 277, 190)
    width = 257

    def line(value: str, size: int, *, bold: bool = False, gap: float = 4) -> None:
        document.set_font("DejaVu", "B" if bold else "", size)
        document.set_x(20)
        document.multi_cell(width, size * 0.5, value, align="C")
        document.ln(gap)

    document.set_y(28)
    line(academy, 16, bold=True, gap=10)
    line(text.heading, 30, bold=True, gap=12)
    line(text.states, 14)
    line(certificate.name, 26, bold=True, gap=8)
    line(text.course_line, 14)
    line(certificate.course_title, 20, bold=True, gap=10)
    line(text.hours_line, 12, gap=2)
    line(text.date_line, 12, gap=2)
    document.set_y(176)
    line(text.code_line, 10, gap=1)
    line(text.verify_line, 10, gap=0)
    return bytes(document.output())
