"""Importing a cohort's roster from CSV: name, email, region, language.

`plan` reads the file and says what would happen to every row (a new account, an existing account, or an
error and why) without writing anything. `apply` then does it in the caller's transaction, all rows or
none; the caller sends the invitations once it has committed. New accounts get a link to set their own
password (valid a week); nobody's password ever passes through a coordinator.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import emails
from app.accounts import service as accounts_service
from app.accounts.models import PasswordReset, User
from app.accounts.passwords import hash_password
from app.accounts.regions import REGIONS
from app.config import LOCALES, Settings
from app.db import utcnow
from app.forms import clean_line, is_email
from app.i18n import N_, gettext, use_locale
from app.learning.cohorts import course_titles, enrol_learner, managed
from app.learning.exceptions import RosterCheckGone, RosterOverCap, RosterRefused
from app.learning.models import Cohort, Enrolment, RosterCheck
from app.learning.service import active_learners, make_room, places_left
from app.principal import Principal
from app.security import hash_token, random_token
from app.web.templating import Templates

MAX_ROWS = 2000
MAX_BYTES = 1024 * 1024
INVITE_DAYS = 7
CHECK_KEPT = dt.timedelta(hours=1)  # a dry run's file, kept for the import that confirms it
HEADERS = {
    "name": "name",
    "displayname": "name",
    "fullname": "name",
    "имя": "name",
    "аты": "name",
    "атыжөнү": "name",
    "фио": "name",
    "имяфамилия": "name",
    "фамилияимя": "name",
    "email": "email",
    "mail": "email",
    "почта": "email",
    "электроннаяпочта": "email",
    "элпочта": "email",
    "электрондукпочта": "email",
    "emailaddress": "email",
    "region": "region",
    "регион": "region",
    "область": "region",
    "аймак": "region",
    "облус": "region",
    "language": "language",
    "lang": "language",
    "язык": "language",
    "тил": "language",
}  # fmt: skip  (a header is compared without case, spaces, dots, hyphens or underscores)
# How Excel saves a table: "CSV UTF-8" (with a BOM), plain "CSV" (Windows-1251 on a Russian Windows),
# "Unicode text" (UTF-16 with a BOM, tab-separated).
ENCODINGS = {"utf-8": "UTF-8", "cp1251": "Windows-1251", "utf-16": "UTF-16"}
DELIMITERS = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab")}


def _header_key(cell: str) -> str:
    return "".join(char for char in cell.strip().lower().lstrip("\ufeff") if char not in " ._-")


def decode(data: bytes, encoding: str = "") -> tuple[str, str]:
    """The file's text and its encoding: the one she chose, or the one found (a BOM, valid UTF-8, else
    what charset-normalizer finds among the encodings Excel uses); raises RosterUnreadable."""
    if encoding and encoding not in ENCODINGS:
        raise RosterUnreadable(gettext(N_("Choose UTF-8, Windows-1251 or UTF-16.")))
    if not encoding:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8"
        else:
            try:
                data.decode("utf-8")
                encoding = "utf-8"
            except UnicodeDecodeError:
                import charset_normalizer  # here: 4 MB, for the rare file that is not UTF-8

                best = charset_normalizer.from_bytes(data, cp_isolation=["cp1251", "utf_16"]).best()
                encoding = "utf-16" if best is not None and best.encoding.startswith("utf_16") else "cp1251"
    try:
        text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError:
        raise RosterUnreadable(
            gettext(N_("The file cannot be read as %(encoding)s. Save it as “CSV UTF-8” and try again."))
            % {"encoding": ENCODINGS[encoding]}
        ) from None
    return text.lstrip("\ufeff"), encoding


def delimiter_of(text: str) -> str:
    """The separator of the file's columns: comma, semicolon or tab (Excel's choice depends on the
    computer's language: a Russian Windows writes semicolons)."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {mark: first.count(mark) for mark in DELIMITERS}
    mark = max(counts, key=lambda key: counts[key])
    return mark if counts[mark] else ","


@dataclass
class Row:
    line: int
    name: str
    email: str
    region: str | None
    language: str
    outcome: str  # new, existing, already, error
    reason: str = ""  # translated, for errors


class RosterUnreadable(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# Words around a region's name that do not name it ("г. Бишкек", "Ошская обл.", "Нарын облусу").
_CITY = (" г.", " г ", " город ", " city of ", " city ", " шаары ", " ш.")
_AROUND = (" область", " обл.", " обл ", " облусу", " region", " oblast", "ская ", "ский ")
# Spellings in the Latin alphabet that the three languages' names do not give.
ALIASES = {
    "bishkek": "KG-GB", "frunze": "KG-GB", "batken": "KG-B", "chui": "KG-C", "chuy": "KG-C", "chu": "KG-C",
    "jalalabad": "KG-J", "djalalabad": "KG-J", "zhalalabad": "KG-J", "naryn": "KG-N", "osh": "KG-O",
    "talas": "KG-T", "issykkul": "KG-Y", "ysykkol": "KG-Y", "issykul": "KG-Y", "иссыккуль": "KG-Y",
    "джалалабад": "KG-J", "жалалабад": "KG-J", "чуй": "KG-C", "чүй": "KG-C", "ысыккөл": "KG-Y",
}  # fmt: skip


def _plain(value: str) -> str:
    """A region as written, reduced to what names it: lower case, no "город", "область", "облусу",
    spaces, hyphens or dots."""
    text = f" {value.strip().lower().replace('ё', 'е')} "
    for word in _CITY + _AROUND:
        text = text.replace(word, " ")
    return "".join(char for char in text if char.isalnum())


def _is_city(value: str) -> bool:
    text = f" {value.strip().lower()} "
    return any(word in text for word in _CITY)


@lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    """Every name a region is known by (its code, its name in each language, reduced by `_plain`, and
    the Latin spellings people use) -> its code. A city's bare name is its region ("Ош": Osh region);
    written as a city ("г. Ош", "Ош шаары"), the city."""
    names: dict[str, str] = dict(ALIASES)
    for code, label in REGIONS.items():
        names[code.lower().replace("-", "")] = code
        for locale in LOCALES:
            with use_locale(locale):
                if not code.endswith(("GB", "GO")):
                    names[_plain(gettext(label))] = code
    names["бишкек"] = "KG-GB"
    return names


def _region(value: str) -> str | None | bool:
    """The region a roster names (an ISO code, or a name in any of our languages or in Latin letters, as
    people write it); None if empty, False if unknown."""
    if not value.strip():
        return None
    plain = _plain(value)
    found = _region_names().get(plain, False)
    if found == "KG-O" and _is_city(value):
        return "KG-GO"
    return found


def accepted_regions() -> str:
    """The names an unknown region's message lists, in her language."""
    return ", ".join(gettext(label) for label in REGIONS.values())


def read(text: str, delimiter: str = "") -> list[dict[str, str]]:
    """The CSV's rows as dicts keyed by our column names (headers in Kyrgyz, Russian or English, in any
    order; blank lines skipped; quoted fields with Windows line ends); raises RosterUnreadable."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise RosterUnreadable(gettext(N_("The file is larger than 1 MB.")))
    text = text.lstrip("\ufeff")
    mark = delimiter if delimiter in DELIMITERS else delimiter_of(text)
    rows = [
        row
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=mark)
        if any(c.strip() for c in row)
    ]
    if not rows:
        raise RosterUnreadable(gettext(N_("The file is empty.")))
    header = [HEADERS.get(_header_key(cell), "") for cell in rows[0]]
    if "name" not in header or "email" not in header:
        raise RosterUnreadable(
            gettext(
                N_(
                    "The first line must name the columns: name, email, region and language (in Kyrgyz,"
                    " Russian or English)."
                )
            )
        )
    if len(rows) - 1 > MAX_ROWS:
        raise RosterUnreadable(gettext(N_("A roster can have at most %(max)s rows.")) % {"max": MAX_ROWS})
    return [
        {key: cells[index].strip() if index < len(cells) else "" for index, key in enumerate(header) if key}
        for cells in rows[1:]
    ]


def plan(
    session: Session, cohort: Cohort, text: str, default_language: str, delimiter: str = ""
) -> list[Row]:
    records = read(text, delimiter)
    emails = [clean_line(record.get("email"), 254).lower() for record in records]
    known = {
        user.email: user
        for user in session.scalars(sa.select(User).where(User.email.in_([e for e in emails if e])))
    }
    in_cohort = set(
        session.scalars(
            sa.select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id, Enrolment.status == "active")
        )
    )
    seen: set[str] = set()
    plans = []
    for offset, record in enumerate(records, start=2):
        if not any(record.values()):
            continue
        name = clean_line(record.get("name"), 60)
        email = emails[offset - 2]
        language = (record.get("language") or default_language).strip().lower()[:2]
        region = _region(record.get("region", ""))
        reason = ""
        if not is_email(email):
            reason = gettext(N_("not an email address"))
        elif email in seen:
            reason = gettext(N_("this email is already on an earlier line"))
        elif len(name) < 2 and email not in known:
            reason = gettext(N_("the name is missing"))
        elif language not in LOCALES:
            reason = gettext(N_("the language must be ky, ru or en"))
        elif "?" in name:
            reason = gettext(
                N_(
                    "the name has “?” where letters were: Excel saved the file without ң, ө and ү. "
                    "Save it as “CSV UTF-8” and check it again"
                )
            )
        elif region is False:
            reason = gettext(N_("unknown region; use one of: %(regions)s")) % {"regions": accepted_regions()}
        seen.add(email)
        user = known.get(email)
        if reason:
            outcome = "error"
        elif user is None:
            outcome = "new"
        else:
            outcome = "already" if user.id in in_cohort else "existing"
        plans.append(
            Row(offset, name, email, region if isinstance(region, str) else None, language, outcome, reason)
        )
    return plans


@dataclass(frozen=True)
class DryRun:
    """What importing `text` into the cohort would do: every line's outcome, or why it cannot be read."""

    cohort: Cohort
    rows: list[Row] | None
    text: str
    problem: str | None  # why the file cannot be read at all
    encoding: str = ""  # as it was read: "utf-8", "cp1251", "utf-16" (found, or chosen)
    delimiter: str = ""  # ",", ";" or "\t"
    check_id: str = ""  # the file kept on the server for the import that confirms it (RosterCheck)
    places: int | None = None  # the cohort's places (None: no limit)
    taken: int = 0  # learners in the cohort now
    over: int = 0  # lines that would not fit in the places left: then none is imported

    @property
    def importable(self) -> bool:
        return (
            not self.problem
            and bool(self.rows)
            and not any(row.outcome == "error" for row in self.rows or [])
            and not self.over
        )

    @property
    def status_code(self) -> int:
        """200 when every line can be imported, or nothing is wrong yet; 422 when something is; 409 when
        the lines are right but the cohort has not enough places for them."""
        wrong = self.problem or (self.rows and any(row.outcome == "error" for row in self.rows))
        return 422 if wrong else 409 if self.over else 200


def joining(rows: list[Row]) -> int:
    """How many of the lines take a place in the cohort (not those in it already, nor those in error)."""
    return sum(1 for row in rows if row.outcome in ("new", "existing"))


def over_cap(session: Session, cohort: Cohort, rows: list[Row]) -> tuple[int, int | None, int]:
    """(how many lines would not fit, the cohort's places, the learners in it now)."""
    taken = active_learners(session, cohort)
    if cohort.max_learners is None:
        return 0, None, taken
    return max(0, joining(rows) - max(0, cohort.max_learners - taken)), cohort.max_learners, taken


def dry_run(
    session: Session,
    cohort: Cohort,
    text: str,
    default_language: str,
    delimiter: str = "",
    encoding: str = "",
) -> DryRun:
    mark = delimiter if delimiter in DELIMITERS else delimiter_of(text)
    try:
        rows = plan(session, cohort, text, default_language, mark)
        over, places, taken = over_cap(session, cohort, rows)
        return DryRun(cohort, rows, text, None, encoding, mark, places=places, taken=taken, over=over)
    except RosterUnreadable as exc:
        return DryRun(cohort, None, text, exc.reason, encoding, mark)


def check(
    session: Session,
    *,
    principal: Principal,
    cohort_id: int,
    data: bytes | str,
    locale: str,
    encoding: str = "",
    delimiter: str = "",
) -> DryRun:
    """The dry run of a file (or of its text, sent back): nothing is written. The encoding and the
    separator are found (or taken as she chose them), and said on the page."""
    cohort = managed(session, principal, cohort_id)
    if isinstance(data, bytes):
        try:
            data, encoding = decode(data, encoding)
        except RosterUnreadable as exc:
            return DryRun(cohort, None, "", exc.reason, encoding)
    checked = dry_run(session, cohort, data, locale, delimiter, encoding)
    if not checked.importable:
        return checked
    now = utcnow()
    session.execute(sa.delete(RosterCheck).where(RosterCheck.expires_at <= now))
    kept = RosterCheck(
        id=random_token(),
        user_id=principal.user_id,
        cohort_id=cohort.id,
        text=checked.text,
        encoding=checked.encoding,
        delimiter=checked.delimiter,
        expires_at=now + CHECK_KEPT,
    )
    session.add(kept)
    session.flush()
    return dataclasses.replace(checked, check_id=kept.id)


def recheck(session: Session, *, principal: Principal, cohort_id: int, check_id: str, locale: str) -> DryRun:
    """The dry run she is confirming, read again from what the server kept (for the refusal page)."""
    cohort = managed(session, principal, cohort_id)
    kept = _kept(session, principal, cohort, check_id)
    if kept is None:
        return DryRun(cohort, None, "", RosterCheckGone.message)
    return dry_run(session, cohort, kept.text, locale, kept.delimiter, kept.encoding)


def _kept(session: Session, principal: Principal, cohort: Cohort, check_id: str) -> RosterCheck | None:
    return session.scalars(
        sa.select(RosterCheck).where(
            RosterCheck.id == check_id,
            RosterCheck.user_id == principal.user_id,
            RosterCheck.cohort_id == cohort.id,
            RosterCheck.expires_at > utcnow(),
        )
    ).one_or_none()


@dataclass(frozen=True)
class Imported:
    cohort: Cohort
    invitations: list[Invitation]
    titles: dict[str, str]  # the course's title by language, for the invitations


def import_roster(
    session: Session,
    *,
    principal: Principal,
    cohort_id: int,
    check_id: str,
    settings: Settings,
    locale: str,
) -> Imported:
    """The import of the file her dry run read, as the server kept it: checked again (the accounts may
    have changed meanwhile), then every line or none (RosterRefused). The caller sends the invitations
    once the import is committed."""
    cohort = managed(session, principal, cohort_id)
    kept = _kept(session, principal, cohort, check_id)
    if kept is None:
        raise RosterCheckGone()
    places_left(session, cohort, lock=True)  # the cohort's row, locked: its places are counted for all lines
    checked = dry_run(session, cohort, kept.text, locale, kept.delimiter, kept.encoding)
    if checked.over:
        raise RosterOverCap()
    if not checked.importable:
        raise RosterRefused()
    session.delete(kept)
    actor = accounts_service.user_of(session, principal)
    invitations = apply(session, cohort, checked.rows or [], settings=settings, actor=actor)
    accounts_service.record(
        session,
        actor=actor,
        action="roster.import",
        detail=f"cohort {cohort.id}: {len(checked.rows or [])} rows",
    )
    return Imported(cohort, invitations, course_titles(session, course_id=cohort.course_id))


@dataclass
class Invitation:
    user: User
    setup_token: str | None  # for a new account: the link to set a password


def apply(
    session: Session, cohort: Cohort, rows: list[Row], *, settings: Settings, actor: User | None
) -> list[Invitation]:
    """Create and enrol every row (call only when no row has an error); CohortFull, before anything is
    written, when the cohort has not enough places left for them all."""
    assert not any(row.outcome == "error" for row in rows)
    # A new account's password is unusable until she sets her own from the invitation: the hash of a
    # secret nobody keeps. One for the whole import: a hash costs tens of milliseconds, and on SQLite
    # this transaction holds the writer lock of every process (a hundred rows took seconds of it).
    unusable: str | None = None
    make_room(session, cohort, joining(rows))
    invitations = []
    for row in rows:
        token = None
        user = accounts_service.get_user_by_email(session, row.email)
        if user is None:
            unusable = unusable or hash_password(settings, random_token(24))
            user = accounts_service.create_user(
                session, settings=settings, email=row.email,
                password_hash=unusable, display_name=row.name,
                locale=row.language, region=row.region,
            )  # fmt: skip
            token = random_token()
            session.add(
                PasswordReset(
                    token_hash=hash_token(token),
                    user_id=user.id,
                    expires_at=utcnow() + dt.timedelta(days=INVITE_DAYS),
                )
            )
        enrol_learner(session, cohort, user, counted=True)
        invitations.append(Invitation(user, token))
    session.flush()
    accounts_service.record(
        session, actor=actor, action="cohort.import", detail=f"{cohort.id}:{len(rows)} rows"
    )
    return invitations


def send_invitations(
    templates: Templates,
    settings: Settings,
    *,
    cohort: Cohort,
    titles: dict[str, str],
    invitations: list[Invitation],
) -> None:
    """After the import is committed: each person gets mail in her language, with a link to set a
    password if her account is new."""
    for invitation in invitations:
        emails.send(
            templates, settings, to=invitation.user.email, locale=invitation.user.locale,
            template="roster_new" if invitation.setup_token else "roster_existing",
            token=invitation.setup_token, display_name=invitation.user.display_name, cohort=cohort.name,
            course=titles.get(invitation.user.locale, ""),
        )  # fmt: skip
