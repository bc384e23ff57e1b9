"""The API answers what its document says, for any request: schemathesis generates requests from
/api/v1/openapi.json (valid ones and ones that break the schema) and checks every answer:

- never a 500;
- a status the document declares for that operation (errors included: 401, 404, 413, 422, 429...);
- the content type and the body the document gives for that status;

so a route that adds an error without declaring it, or a body that drifts from its model, fails here.
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from app.config import Settings
from tests.factories import PASSWORD, create_user, enrol, sync_course

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = (
    25  # per operation and kind (valid, invalid); enough to reach each error path, quick enough for every run
)


@pytest.fixture
def bearer(client: TestClient, session: Session, settings: Settings) -> dict[str, str]:
    """A learner enrolled in the example course, and her token."""
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    answer = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD, "name": "t"})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_the_document_declares_our_error_bodies(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert {"ErrorBody", "ValidationErrorBody"} <= set(document["components"]["schemas"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert "503" in declared, (method, path)
            assert "Retry-After" in operation["responses"]["503"]["headers"]
            if "{" in path:
                assert {"404", "422"} <= declared, (method, path)


def test_every_operation_answers_as_documented(app: FastAPI, bearer: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [op.label for op in operations]
    calls: list[int] = []
    for operation, mode in itertools.product(operations, schemathesis.GenerationMode):

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the same requests every run: a failure here is the code's, not luck's
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(mode))
        def answers_as_documented(case: schemathesis.Case) -> None:
            headers = dict(case.headers or {}) | bearer
            response = case.call(headers=headers)
            calls.append(response.status_code)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            answers_as_documented()
        except Unsatisfiable:
            # Nothing to break: the operation takes no parameters and no body (GET /courses).
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
    # Both kinds of request were made: ones the schema allows (some answered 2xx) and ones it refuses.
    assert any(code < 300 for code in calls) and 422 in calls, sorted(set(calls))
