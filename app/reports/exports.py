"""The cohort matrix and summary as CSV and XLSX, for partners' reports.

Display names are exported as chosen (pseudonyms stay pseudonyms); the email column exists only in the
coordinators' export. A cell that a spreadsheet would read as a formula (=, +, -, @) is prefixed with an
apostrophe, so a display name can never run as a formula on someone's computer.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from app.accounts.regions import REGIONS
from app.i18n import gettext
from app.reports.service import CohortReport, LearnerRow

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _region(code: str | None) -> str:
    return gettext(REGIONS[code]) if code in REGIONS else ""


def matrix_table(
    report: CohortReport, rows: list[LearnerRow], *, with_emails: bool, with_regions: bool = False
) -> list[list[Any]]:
    """One line per learner. Email and region only when asked for (they say who takes part and where
    she lives, should the file be lost or seized)."""
    lessons = report.course.lessons()
    header = [gettext("Display name")]
    if with_emails:
        header.append(gettext("Email"))
    if with_regions:
        header.append(gettext("Region"))
    header += [gettext("Progress, %"), gettext("Completed"), gettext("Last activity")]
    header += [lesson.title for lesson in lessons]
    table: list[list[Any]] = [header]
    for row in rows:
        line: list[Any] = [row.name]
        if with_emails:
            line.append(row.email or "")
        if with_regions:
            line.append(_region(row.region))
        line += [
            row.percent,
            row.completed_at.date().isoformat() if row.completed_at else "",
            row.last_activity.date().isoformat() if row.last_activity else "",
        ]
        for lesson in lessons:
            cell = row.cells.get(lesson.id)
            if cell is None:
                line.append("")
                continue
            status, score = cell
            if lesson.kind == "quiz" and score is not None:
                line.append(f"{score}%" + ("" if status == "done" else " ✗"))
            else:
                line.append("✓" if status == "done" else "…")
        table.append([safe(value) for value in line])
    return table


def summary_table(report: CohortReport) -> list[list[Any]]:
    table: list[list[Any]] = [
        [gettext("Cohort"), report.cohort.name],
        [gettext("Course"), report.course.title],
        [gettext("Enrolled"), report.enrolled],
        [gettext("Active in the last 7 days"), report.active],
        [gettext("Completed"), report.completed],
        [gettext("Completion rate, %"), report.completion_rate],
        [gettext("Average quiz score, %"), report.average_quiz if report.average_quiz is not None else ""],
        [gettext("At risk"), len(report.at_risk)],
        [],
        [gettext("Module"), gettext("Started"), gettext("Completed")],
    ]
    table += [[step.module_title, step.reached, step.completed] for step in report.funnel]
    return [[safe(value) for value in line] for line in table]


def to_csv(table: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(table)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets Excel read Cyrillic as UTF-8


def to_xlsx(table: list[list[Any]], *, sheet: str) -> bytes:
    from openpyxl import Workbook  # imported here: only exports need it

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    for line in table:
        worksheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
