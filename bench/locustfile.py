"""The soak's simulated learners (bench/soak.py starts locust with this file): each reads lessons, marks
them complete, takes quizzes and posts in her cohort's discussion, as a learner on a phone would, with a
pause of one to three seconds between steps. Every write the server acknowledges is written down
(SOAK_ACKED), for the soak to find in the database afterwards."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import threading
import uuid
from typing import Any

from locust import HttpUser, between, events, task

SETUP = json.loads(open(os.environ["SOAK_SETUP"], encoding="utf-8").read())
ACKED: dict[str, list[str]] = {"events": [], "posts": []}
_next = itertools.count()
_lock = threading.Lock()


class Learner(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        me = SETUP["learners"][next(_next) % len(SETUP["learners"])]
        self.client.cookies.set(SETUP["cookie"], me["cookie"])
        self.bearer = {"Authorization": f"Bearer {me['token']}"}
        self.course = SETUP["course"]

    @task(6)
    def read_a_lesson(self) -> None:
        lesson = random.choice(SETUP["readings"])
        self.client.get(f"/courses/{self.course}/{lesson}", name="lesson page")

    def _event(self, kind: str, lesson: str, name: str, **extra: Any) -> None:
        event_id = f"soak-{uuid.uuid4().hex}"
        at = dt.datetime.now(dt.UTC).isoformat()
        body = {
            "events": [{"id": event_id, "lesson": f"{self.course}/{lesson}", "type": kind, "at": at, **extra}]
        }
        with self.client.post("/api/v1/progress", json=body, headers=self.bearer, name=name,
                              catch_response=True) as answer:  # fmt: skip
            results = answer.json().get("results", []) if answer.status_code == 200 else []
            if results and results[0].get("status") in ("accepted", "duplicate"):
                answer.success()
                with _lock:
                    ACKED["events"].append(event_id)
            else:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")

    @task(3)
    def mark_complete(self) -> None:
        self._event("completed", random.choice(SETUP["readings"]), "progress: completed")

    @task(1)
    def take_a_quiz(self) -> None:
        answer = random.choice(["a", "b"])
        self._event(
            "quiz_submitted", random.choice(SETUP["quizzes"]), "progress: quiz", answers={"q1": [answer]}
        )

    @task(1)
    def post_in_her_cohort(self) -> None:
        marker = f"soak-{uuid.uuid4().hex}"
        path, body = f"/api/v1/threads/{SETUP['thread']}/posts", {"body": f"Из нашего села: {marker}"}
        with self.client.post(
            path, headers=self.bearer, name="post", json=body, catch_response=True
        ) as answer:
            if answer.status_code == 201:
                answer.success()
                with _lock:
                    ACKED["posts"].append(marker)
            else:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")


@events.test_stop.add_listener
def _write_down(**_kwargs: Any) -> None:
    with open(os.environ["SOAK_ACKED"], "w", encoding="utf-8") as handle:
        json.dump(ACKED, handle)
