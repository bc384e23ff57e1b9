"""The benchmark's budget check: a missed budget is named, and the report says so."""

from __future__ import annotations

from typing import Any

from bench.run import BUDGETS, check_budgets, markdown


def a_run(**overrides: Any) -> dict[str, Any]:
    run: dict[str, Any] = {
        "lesson_page_bytes_first_visit": 30_000,
        "lesson_page_requests_first_visit": 4,
        "lesson_page_ceiling_ratio": 0.55,
        "lesson_page_tail": 3.0,
        "progress_event_ceiling_ratio": 0.3,
        "progress_event_p95_ms_at_10": 40.0,
        "progress_event_queries": 5,
        "progress_batch_queries": 5,
        "api_enrolments_ceiling_ratio": 0.6,
        "api_progress_ceiling_ratio": 0.6,
        "api_enrolments_p95_ms": 60.0,
        "api_progress_p95_ms": 60.0,
        "matrix_ms": 120.0,
        "peak_rss_mb": 90.0,
        "startup_s": 0.8,
        "startup_ratio": 1.2,
        "errors": 0,
        "unanswered": 0,
        "stop_s": 1.5,
        "stop_s_by_server": {"gunicorn": 1.5, "one_process": 0.8},
        "queries_grow": [],
        "load": {"lesson_page@50": {"rps": 300, "p50_ms": 9, "p95_ms": 20, "p99_ms": 30, "errors": 0}},
        "ceiling": {"page@50": {"rps": 600, "p50_ms": 4, "p95_ms": 9, "p99_ms": 12, "errors": 0}},
        "load_one_process": {
            "api_enrolments@100": {"rps": 200, "p50_ms": 40, "p95_ms": 90, "p99_ms": 120, "errors": 0}
        },
        "ceiling_one_process": {
            "page@100": {"rps": 400, "p50_ms": 20, "p95_ms": 40, "p99_ms": 60, "errors": 0}
        },
        "queries_small": {"lesson": 5},
        "sizes": {"small": [100, 60, 1000], "large": [500, 60, 10000]},
        "timings": {"load_s": 1.0},
    }
    return run | overrides


def test_a_run_within_every_budget_passes() -> None:
    checks = check_budgets({"sqlite": a_run(), "postgresql": a_run()})
    assert checks and all(check.ok for check in checks)
    # The lesson page's ratio has a limit for each database; the matrix is judged on PostgreSQL only.
    limits = {(c.database, c.limit) for c in checks if c.name == "lesson_page_ceiling_ratio"}
    assert limits == {("sqlite", 0.5), ("postgresql", 0.3)}
    assert {c.database for c in checks if c.name == "matrix_ms"} == {"postgresql"}


def test_a_missed_budget_is_named() -> None:
    runs = {
        "sqlite": a_run(lesson_page_bytes_first_visit=70 * 1024, queries_grow=["matrix"]),
        "postgresql": a_run(matrix_ms=450.0),
    }
    missed = {(check.name, check.database) for check in check_budgets(runs) if not check.ok}
    assert missed == {
        ("lesson_page_bytes_first_visit", "sqlite"),
        ("queries_grow", "sqlite"),
        ("matrix_ms", "postgresql"),
    }


def test_a_server_that_stopped_answering_or_stopping_is_missed() -> None:
    runs = {
        "sqlite": a_run(unanswered=1, unanswered_runs=["api_enrolments@50"]),
        "postgresql": a_run(stop_s=31.0),
    }
    missed = {(check.name, check.database) for check in check_budgets(runs) if not check.ok}
    assert missed == {("unanswered", "sqlite"), ("stop_s", "postgresql")}


def test_a_too_small_ratio_is_missed() -> None:
    (ratio,) = [
        c
        for c in check_budgets({"sqlite": a_run(lesson_page_ceiling_ratio=0.1)})
        if c.name == "lesson_page_ceiling_ratio"
    ]
    limit = next(b[1] for b in BUDGETS if b[0] == "lesson_page_ceiling_ratio" and b[3] == "sqlite")
    assert not ratio.ok and ratio.limit == limit


def test_the_report_marks_what_was_missed() -> None:
    checks = check_budgets({"sqlite": a_run(peak_rss_mb=180.0)})
    report = {
        "mode": "quick",
        "started": "2026-11-30 12:00 UTC",
        "machine": {"cpus": 2, "python": "3.11"},
        "command": "make bench-quick",
        "budgets": [check.__dict__ for check in checks],
        "runs": {"sqlite": a_run(peak_rss_mb=180.0)},
    }
    text = markdown(report)
    assert (
        "| peak memory (VmHWM) of one app process after the load | sqlite | 180 | ≤ 100 | **missed** |"
        in text
    )
    assert "| lesson_page | 50 | 300 | 9.0 | 20.0 | 30.0 | 0 | 0.50 |" in text
    assert "### one `academy serve` process" in text
    assert "| api_enrolments | 100 | 200 | 40.0 | 90.0 | 120.0 | 0 | 0.50 |" in text
