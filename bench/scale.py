"""How cost grows with the number of learners on the platform: 1,000, 10,000 and 100,000.

    python -m bench.scale                                   # make bench-scale
    python -m bench.scale --sizes 1000,10000 --databases sqlite

For each database and size it makes a fresh database, loads the shipped courses and generates N learners in
cohorts of 500 (as a real school would run them), with their lesson progress and 20 progress events each.
Then, through the whole app in this process (middleware, session, queries, rendering, gzip), it takes the
median server time and the SQL queries of a learner's lesson, course and catalogue pages, a progress event,
and the coordinator's overview and matrix of one cohort of 500. It also reports the size of the database.

The question it answers: does a learner's page, or a coordinator's report on her own cohort, get slower as
the whole platform grows? It writes bench/scale.json and prints a Markdown table (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import run

COHORT = 500
EVENTS_PER_LEARNER = 20
LESSONS = 60
PAGES = ("lesson", "course", "catalogue", "progress_event", "overview", "matrix")


def database_mb(env: dict[str, str]) -> float:
    url = env["ACADEMY_DATABASE_URL"]
    if url.startswith("sqlite"):
        path = Path(sa.make_url(url).database or "")
        wal = path.with_name(path.name + "-wal")
        return round((path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20, 1)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return round(size / 2**20, 1)


def measure(kind: str, learners: int, pg_url: str, work: Path, runs: int) -> dict[str, Any]:
    data_dir = work / f"{kind}-{learners}"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / 'bench.db'}" if kind == "sqlite" else run.fresh_pg(pg_url)
    env = run.environment(data_dir, url)
    os.environ.update({k: v for k, v in env.items() if k.startswith("ACADEMY_")})
    run.academy(env, "migrate")
    run.academy(env, "courses", "sync", str(run.ROOT / "courses"))
    size = (learners, LESSONS, learners * EVENTS_PER_LEARNER)
    made = run.generate(env, size, "--cohort-size", str(COHORT))
    targets = run.prepare_learner(env)
    run.reset_rate_limits(env)
    pages = run.in_process(env, targets, runs=runs)
    result = {
        "database": kind,
        "learners": learners,
        "cohorts": made["cohorts"],
        "events": size[2],
        "generate_s": made["seconds"],
        "database_mb": database_mb(env),
        "pages": pages,
    }
    if kind == "postgresql":
        run.drop_pg(pg_url)
    return result


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| database | learners | events | database size | "
        + " | ".join(f"{page} ms (queries)" for page in PAGES)
        + " |",
        "|---|---|---|---|" + "---|" * len(PAGES),
    ]
    for result in results:
        cells = [
            f"{result['pages'][page]['median_ms']:.1f} ({result['pages'][page]['queries']:.0f})"
            for page in PAGES
        ]
        lines.append(
            f"| {result['database']} | {result['learners']:,} | {result['events']:,} "
            f"| {result['database_mb']:.0f} MB | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="numbers of learners, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgresql", help="which, comma-separated")
    parser.add_argument("--runs", type=int, default=20, help="requests per page (the median is reported)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ACADEMY_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server to create the benchmark database on",
    )
    parser.add_argument("--out", type=Path, default=run.ROOT / "bench" / "scale.json")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    results = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="academy-scale-") as work:
        for kind in (d.strip() for d in args.databases.split(",") if d.strip()):
            for learners in sizes:
                print(f"== {kind}, {learners:,} learners", file=sys.stderr, flush=True)
                results.append(measure(kind, learners, args.pg_url, Path(work), args.runs))
    report = {
        "command": "python -m bench.scale " + " ".join(sys.argv[1:]),
        "machine": run.machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
