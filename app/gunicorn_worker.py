"""The gunicorn worker class (docker/gunicorn.conf.py, bench/): uvicorn's, with the same graceful
shutdown as `academy serve` (app/serving.py). Kept apart so that nothing else imports gunicorn."""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from app.serving import DRAIN_SECONDS, EVENT_LOOP


class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: dict[str, Any] = {
        **UvicornWorker.CONFIG_KWARGS,
        "loop": EVENT_LOOP,
        "timeout_graceful_shutdown": DRAIN_SECONDS,
    }
