"""Time the coordinator's cohort overview and matrix on a generated cohort (see bench/generate.py).

    python -m bench.reports --runs 10

Uses ACADEMY_DATABASE_URL (or the SQLite file in ACADEMY_DATA_DIR). Each page is fetched through the whole
app (middleware, session, rendering) in this process; the figures are server time, without the network.
Prints JSON: per page, the median and the slowest time in milliseconds, the size, and the SQL queries.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.config import get_settings
from app.main import create_app, tune_gc
from bench.generate import CODE, COORDINATOR


def measure(runs: int) -> dict[str, Any]:
    # The reports are measured, not the coordinator's sign-in: her password is enough here.
    app = create_app(get_settings().model_copy(update={"staff_two_factor": False}))
    tune_gc()  # as `academy serve` and gunicorn do
    engine = app.state.database.engine
    queries: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: queries.append(args[2]))
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"email": COORDINATOR[0], "password": COORDINATOR[1], "csrf_token": token})
    with app.state.database.session() as session:
        cohort_id = session.scalar(
            sa.text("SELECT id FROM cohort WHERE enrolment_code = :code"), {"code": CODE}
        )
    results: dict[str, Any] = {"database": engine.dialect.name}
    for name, path in (("overview", f"/cohorts/{cohort_id}"), ("matrix", f"/cohorts/{cohort_id}/matrix")):
        client.get(path)  # warm the caches once
        timings = []
        for _ in range(runs):
            queries.clear()
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        results[name] = {
            "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1),
            "bytes": len(response.content),
            "queries": len([q for q in queries if not q.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]),
        }
    client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    print(json.dumps(measure(parser.parse_args().runs)))


if __name__ == "__main__":
    main()
