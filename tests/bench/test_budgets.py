"""The benchmark's budget check: a missed budget is named, and the report says so."""

from __future__ import annotations

from typing import Any

from bench.run import BUDGETS, check_budgets, markdown


def a_run(**overrides: Any) -> dict[str, Any]:
    run: dict[str, Any] = {
        "lesson_page_bytes_first_visit": 30_000,
        "lesson_page_requests_first_visit": 4,
        "lesson_page_ceiling_ratio": 0.5,
        "matrix_ms": 120.0,
        "peak_rss_mb": 120.0,
        "startup_s": 1.2,
        "errors": 0,
        "queries_grow": [],
        "load": {"lesson_page@50": {"rps": 300, "p50_ms": 9, "p95_ms": 20, "p99_ms": 30, "errors": 0}},
        "queries_small": {"lesson": 5},
        "sizes": {"small": [100, 60, 1000], "large": [500, 60, 10000]},
        "timings": {"load_s": 1.0},
    }
    return run | overrides


def test_a_run_within_every_budget_passes() -> None:
    checks = check_budgets({"sqlite": a_run(), "postgresql": a_run()})
    assert checks and all(check.ok for check in checks)
    # The ratio is judged on SQLite only, the matrix on PostgreSQL only.
    assert {c.database for c in checks if c.name == "lesson_page_ceiling_ratio"} == {"sqlite"}
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


def test_a_too_small_ratio_is_missed() -> None:
    (ratio,) = [
        c for c in check_budgets({"sqlite": a_run(lesson_page_ceiling_ratio=0.1)}) if c.name.endswith("ratio")
    ]
    assert not ratio.ok and ratio.limit == BUDGETS["lesson_page_ceiling_ratio"][0]


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
    assert "| peak memory of one app process under load | sqlite | 180 | ≤ 150 | **missed** |" in text
    assert "| lesson_page | 50 | 300 |" in text
