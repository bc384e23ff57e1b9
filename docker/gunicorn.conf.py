"""gunicorn settings for the container: uvicorn workers, count from ACADEMY_WORKERS (or WEB_CONCURRENCY)."""

import gc
import os
from typing import Any

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("ACADEMY_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = "app.gunicorn_worker.Worker"  # uvicorn's, with academy serve's graceful shutdown
graceful_timeout = 9  # the workers stop themselves by then too (app/serving.py): SIGTERM to gone in < 10 s
timeout = 60
keepalive = 5
accesslog = None  # the app logs one JSON line per request itself
errorlog = "-"
loglevel = os.environ.get("ACADEMY_LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("ACADEMY_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Restart a worker now and then, so that a slow leak can never grow without bound.
max_requests = 5000
max_requests_jitter = 500


def post_fork(_server: Any, _worker: Any) -> None:
    """The new worker imports the app next: pause the cycle collector meanwhile (it only walks objects
    that live as long as the process; about a sixth of start-up). app.main.tune_gc() resumes it."""
    gc.disable()
