"""The cohort pages coordinators and trainers read: list, overview with charts, the matrix of learners by
lesson, one learner's timeline, and exports."""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.accounts import confirmation
from app.accounts import service as accounts_service
from app.accounts.exceptions import RateLimited
from app.accounts.ratelimit import LOGIN_PER_ACCOUNT
from app.accounts.regions import REGIONS
from app.courses.service import outlines_by_id
from app.db import get_session
from app.errors import DomainError, NotFound
from app.forms import FormErrors, form
from app.i18n import N_, get_locale, gettext
from app.learning import cohorts
from app.learning.models import Cohort
from app.memory import release_free_memory
from app.principal import Principal
from app.reports import charts, exports
from app.reports import service as reports
from app.reports.schemas import ExportForm
from app.routing import Router, unit_of_work
from app.web.access import CohortViewer
from app.web.pages import render
from app.web.params import Id

router = Router(prefix="/cohorts", include_in_schema=False)

# A cohort's report of 500 learners builds tens of thousands of cells: one at a time per process, the
# others wait their turn, so that a burst of coordinators cannot take a process past its memory budget.
# Two at once would not finish sooner: the work is Python's, which runs one thread at a time anyway.
WAIT_STEP = 0.02  # seconds between looks at the queue
Page = TypeVar("Page", bound=Callable[..., Response])


class Queue:
    """First come, first served, one at a time: a numbered ticket, as at a counter. Whoever leaves the
    line (gone, or cancelled) gives up her number, so the line never waits for someone not there."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tickets = itertools.count()
        self._serving = 0
        self._left: set[int] = set()
        self._issued = 0

    def ticket(self) -> int:
        with self._lock:
            self._issued += 1
            return next(self._tickets)

    def issued(self) -> int:
        """How many tickets were ever handed out."""
        with self._lock:
            return self._issued

    def is_turn(self, ticket: int) -> bool:
        with self._lock:
            return self._serving == ticket

    def leave(self, ticket: int) -> None:
        """Done, or gone: the next number still in line is served."""
        with self._lock:
            if ticket != self._serving:
                self._left.add(ticket)
                return
            self._serving += 1
            while self._serving in self._left:
                self._left.discard(self._serving)
                self._serving += 1


REPORTS = Queue()


def few_at_once(route: Page) -> Page:
    """Run the route at its turn in the reports' queue (building and rendering both take the memory).

    The wait happens on the event loop, not in one of the few request threads, so that learners' pages
    never queue behind coordinators' reports. A coordinator who gave up while waiting (closed the tab,
    pressed reload) is not served: nobody would read the report, and the next in line would wait for it."""

    @functools.wraps(route)
    async def wrapper(**kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        ticket = REPORTS.ticket()
        try:
            while not REPORTS.is_turn(ticket):
                if await request.is_disconnected():
                    return Response(status_code=499)  # nginx's "client closed request"; nobody sees it
                await anyio.sleep(WAIT_STEP)
            if await request.is_disconnected():
                return Response(status_code=499)
            return await request.app.state.database.run(unit_of_work(route, kwargs, request))  # type: ignore[no-any-return]
        finally:
            REPORTS.leave(ticket)
            release_free_memory()  # the report's tens of thousands of objects, back to the system

    return wrapper  # type: ignore[return-value]


def _siblings(session: Session, principal: Principal, cohort: Cohort) -> list[Cohort]:
    """Her other cohorts of the same course: where a learner can be moved."""
    return [
        c
        for c in cohorts.cohorts_for(session, principal)
        if c.course_id == cohort.course_id and c.id != cohort.id
    ]


def _days(value: int) -> int:
    return min(max(value, 1), 365)


@router.get("/", name="cohorts")
def cohort_list(
    request: Request, principal: CohortViewer, session: Session = Depends(get_session)
) -> Response:
    mine = cohorts.cohorts_for(session, principal)
    titles = {
        cid: outline.title
        for cid, outline in outlines_by_id(
            session, sorted({c.course_id for c in mine}), locale=get_locale()
        ).items()
    }
    return render(request, "reports/cohorts.html", {"cohorts": mine, "titles": titles})


def _report(
    session: Session, principal: Principal, cohort_id: int, inactive_days: int = 14
) -> tuple[Cohort, str, reports.CohortReport]:
    cohort, role = cohorts.cohort_for(session, principal, cohort_id)
    return cohort, role, _build(session, cohort, role, inactive_days)


def _build(session: Session, cohort: Cohort, role: str, inactive_days: int) -> reports.CohortReport:
    return reports.cohort_report(
        session,
        cohort,
        locale=get_locale(),
        include_emails=cohorts.sees_emails(role),
        inactive_days=_days(inactive_days),
    )


@router.get("/{cohort_id}", name="cohort")
@few_at_once
def overview(
    request: Request,
    principal: CohortViewer,
    cohort_id: Id,
    days: int = 14,
    session: Session = Depends(get_session),
) -> Response:
    cohort, role, report = _report(session, principal, cohort_id, days)
    funnel = charts.bars(
        [charts.Bar(step.module_title, step.completed, step.reached) for step in report.funnel],
        key="funnel",
        title=gettext(N_("Learners by module")),
        description=gettext(
            N_("For each module, how many learners completed it (dark) of those who started it (light).")
        ),
        maximum=max(report.enrolled, 1),
    )
    buckets = ["0–19%", "20–39%", "40–59%", "60–79%", "80–100%"]
    distribution = charts.bars(
        [charts.Bar(label, count) for label, count in zip(buckets, report.distribution, strict=True)],
        key="distribution",
        title=gettext(N_("Learners by progress")),
        description=gettext(N_("How many learners have done how much of the course.")),
    )
    context = {
        "cohort": cohort,
        "role": role,
        "report": report,
        "days": _days(days),
        "funnel_chart": funnel,
        "distribution_chart": distribution,
        "buckets": buckets,
        "regions": REGIONS,
    }
    return render(request, "reports/overview.html", context)


@router.get("/{cohort_id}/matrix", name="cohort_matrix")
@few_at_once
def matrix(
    request: Request,
    principal: CohortViewer,
    cohort_id: Id,
    sort: str = "name",
    region: str = "",
    state: str = "",
    session: Session = Depends(get_session),
) -> Response:
    cohort, role, report = _report(session, principal, cohort_id)
    sort = sort if sort in reports.SORTS else "name"
    state = state if state in reports.STATES else ""
    region = region if region in REGIONS or region == "none" else ""
    rows = reports.filtered(report, region=region, state=state, sort=sort)
    context = {
        "cohort": cohort,
        "role": role,
        "report": report,
        "rows": rows,
        "sort": sort,
        "region": region,
        "state": state,
        "regions": REGIONS,
        "states": reports.STATES,
        "header": reports.lesson_header(report.course),
        "cells_html": cells_html,
        "lesson_ids": [lesson.id for lesson in report.course.lessons()],
    }
    return render(request, "reports/matrix.html", context, block="matrix_table")


@router.get("/{cohort_id}/learners/{user_id}", name="cohort_learner")
@few_at_once
def learner(
    request: Request,
    principal: CohortViewer,
    cohort_id: Id,
    user_id: Id,
    session: Session = Depends(get_session),
) -> Response:
    cohort, role, report = _report(session, principal, cohort_id)
    row = next((row for row in report.rows if row.user_id == user_id), None)
    if row is None:
        raise NotFound()
    user = accounts_service.get_user(session, user_id)
    viewer = accounts_service.user_of(session, principal)
    accounts_service.record(
        session, actor=viewer, action="learner.view", target=user, detail=f"cohort {cohort.id}: timeline"
    )
    entries = reports.timeline(session, user_id=user_id, course_id=cohort.course_id, locale=get_locale())
    context = {
        "cohort": cohort,
        "role": role,
        "report": report,
        "row": row,
        "user": user,
        "entries": entries,
        "regions": REGIONS,
        "move_choices": [(str(other.id), other.name) for other in _siblings(session, principal, cohort)],
    }
    return render(request, "reports/learner.html", context)


CELL_CLASS = {"done": "d", "started": "s", "failed": "f"}


def cells_html(row: reports.LearnerRow, lesson_ids: list[int]) -> Markup:
    """One learner's cells of the matrix, written directly: 30,000 cells through a template loop would
    cost several times as much, and the cells hold only numbers and fixed symbols."""
    parts = []
    get = row.cells.get
    for lesson_id in lesson_ids:
        cell = get(lesson_id)
        if cell is None:
            parts.append("<td></td>")
            continue
        status, score = cell
        if score is not None:
            parts.append(
                f'<td class="{CELL_CLASS[status]}">{int(score)}{"" if status == "done" else "✗"}</td>'
            )
        else:
            parts.append(f'<td class="{CELL_CLASS[status]}">{"✓" if status == "done" else "…"}</td>')
    return Markup("".join(parts))


# A spreadsheet's sheet is named in the reader's language (Excel takes at most 31 characters).
SHEET_NAMES = {"summary": N_("Summary"), "matrix": N_("Progress by lesson")}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/{cohort_id}/export/summary.{fmt}", name="cohort_export")
@few_at_once
def export_summary(
    request: Request,
    principal: CohortViewer,
    cohort_id: Id,
    fmt: str,
    session: Session = Depends(get_session),
) -> Response:
    """The cohort's figures (no one's name): a plain download."""
    if fmt not in FORMATS:
        raise NotFound()
    cohort, _role, report = _report(session, principal, cohort_id)
    return _download(session, principal, cohort, "summary", fmt, exports.summary_table(report))


def _download(
    session: Session, principal: Principal, cohort: Cohort, kind: str, fmt: str, table: list[list[Any]]
) -> Response:
    """The file, and an audit row that says what it held (its rows and columns)."""
    body = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table, sheet=gettext(SHEET_NAMES[kind]))
    columns = ", ".join(map(str, table[0])) if kind == "matrix" else "figures"
    accounts_service.record(
        session,
        actor=accounts_service.user_of(session, principal),
        action="export.cohort",
        detail=f"cohort {cohort.id}: {kind}.{fmt}, {len(table) - 1} rows; columns: {columns}"[:500],
    )
    headers = {
        "Content-Disposition": f'attachment; filename="cohort-{cohort.id}-{kind}.{fmt}"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type=FORMATS[fmt], headers=headers)


def _export_page(
    request: Request,
    session: Session,
    principal: Principal,
    cohort: Cohort,
    role: str,
    *,
    errors: FormErrors | None = None,
    status: int = 200,
    contact: bool = False,
) -> Response:
    context = {
        "cohort": cohort,
        "sees_emails": cohorts.sees_emails(role),
        "needs_secret": not confirmation.confirmed_lately(session, principal=principal),
        "contact": contact,
        "errors": errors or FormErrors(),
    }
    return render(request, "reports/export.html", context, status_code=status)


@router.get("/{cohort_id}/export", name="cohort_export_form")
def export_form(
    request: Request, principal: CohortViewer, cohort_id: Id, session: Session = Depends(get_session)
) -> Response:
    cohort, role = cohorts.cohort_for(session, principal, cohort_id)
    return _export_page(request, session, principal, cohort, role)


class NotConfirmed(DomainError):
    status_code = 422
    message = N_("This is not your password (or a current code from your app).")
    field = "secret"


@router.post("/{cohort_id}/export", name="cohort_export_matrix")
@few_at_once
def export_matrix(
    request: Request,
    principal: CohortViewer,
    cohort_id: Id,
    body: ExportForm = form(ExportForm),
    session: Session = Depends(get_session),
) -> Response:
    """Learners by lesson: names, and email and region only when she ticks it. Before a file with
    participants' names leaves the platform, her password (or a code) again, at most every ten minutes."""
    cohort, role = cohorts.cohort_for(session, principal, cohort_id)
    if not confirmation.confirmed_lately(session, principal=principal):
        limiter = request.app.state.rate_limiter
        within = limiter.hit(session, LOGIN_PER_ACCOUNT, str(principal.user_id))
        settings = request.app.state.settings
        if not within or not confirmation.confirm_again(
            session, settings=settings, principal=principal, secret=body.secret
        ):
            errors = FormErrors()  # not raised: the attempt is counted in this request's work
            errors.add("secret", NotConfirmed.message if within else RateLimited.message)
            status = NotConfirmed.status_code if within else RateLimited.status_code
            return _export_page(
                request, session, principal, cohort, role, errors=errors, status=status, contact=body.contact
            )
    report = _build(session, cohort, role, 14)
    table = exports.matrix_table(
        report,
        reports.filtered(report),
        with_emails=body.contact and cohorts.sees_emails(role),
        with_regions=body.contact,
    )
    return _download(session, principal, cohort, "matrix", body.fmt, table)
