"""The API's document (/api/v1/openapi.json) says every error it can answer, with the body it really has.

FastAPI documents only the success and a 422 in its own shape; our errors are `{"detail": "<text>"}`
(ErrorBody), and a request that does not validate is `{"detail": "<text>", "errors": [{"field",
"problem"}]}` (ValidationErrorBody). Each operation gets, from what it depends on:

- 401 and 403 from its permission check (`Require` declares them), 429 from a rate limit (`limited`);
- 422 when it takes parameters or a body; 413 (the body limit) and 400 (not JSON) when it takes a body;
- 404 when its path names something that may not exist;
- 503 always: any request may find every worker busy (with Retry-After);
- what the route declares itself with `responses=errors_documented(404, 409)` (its domain's refusals).

A dependency declares its statuses in an `academy_responses` attribute, so the document follows the code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.errors import DEFAULT_MESSAGES
from app.web.templating import every_route


class ErrorBody(BaseModel):
    """Every error the API answers: a sentence in the caller's language."""

    detail: str


class FieldProblem(BaseModel):
    field: str  # where in the request: "email", "events.0.type"
    problem: str


class ValidationErrorBody(BaseModel):
    """A request that does not validate: the sentence, and what is wrong where."""

    detail: str
    errors: list[FieldProblem] = []  # absent when a rule of the domain refused it, not the shape


def errors_documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """For a route's `responses=`: the error statuses its domain may answer, with their body."""
    return {code: {"model": ErrorBody, "description": DEFAULT_MESSAGES.get(code, "")} for code in codes}


def _dependencies(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _dependencies(sub)


def statuses_of(route: APIRoute) -> set[int]:
    """The error statuses a route's dependencies, parameters and body can answer."""
    codes = {503}
    for call in _dependencies(route.dependant):
        codes.update(getattr(call, "academy_responses", ()))
    if route.body_field is not None:
        codes.update({400, 413, 422})  # 400: a body that is not JSON at all
    if route.dependant.query_params or route.dependant.path_params or route.dependant.header_params:
        codes.add(422)
    if route.dependant.path_params:
        codes.add(404)
    return codes


def _reference(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _body(description: str, model: type[BaseModel]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _reference(model)}}}


def document_errors(app: FastAPI) -> None:
    """Replace `app.openapi` with one that adds every operation's error answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, routes=app.routes)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorBody, FieldProblem, ValidationErrorBody):
            schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for route in every_route(app.routes):
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            for method in route.methods or ():
                operation = document["paths"][route.path_format][method.lower()]
                _add_errors(operation, statuses_of(route))
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _add_errors(operation: dict[str, Any], codes: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    for code in sorted(codes | {int(key) for key in responses if key.isdigit() and int(key) >= 400}):
        description = DEFAULT_MESSAGES.get(code, "")
        model = ValidationErrorBody if code == 422 else ErrorBody
        responses[str(code)] = _body(responses.get(str(code), {}).get("description") or description, model)
        if code == 503:
            responses[str(code)]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again",
                    "schema": {"type": "integer"},
                }
            }
