"""Sending one form twice with its one-time id, as two tabs (or a double tap) would: one after the other,
or at the same moment (issue 24)."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from app.web.once import new_id
from tests.factories import csrf_token


def twice(
    clients: list[TestClient], path: str, fields: dict[str, str], *, together: bool, token_from: str
) -> list[object]:
    fields = {**fields, "submission_id": new_id()}
    bodies = [{**fields, "csrf_token": csrf_token(client, token_from)} for client in clients]
    answers: list[object] = [None, None]

    def send(n: int) -> None:
        answers[n] = clients[n].post(path, data=bodies[n])

    if together:
        threads = [threading.Thread(target=send, args=(n,)) for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        send(0)
        send(1)
    return answers
