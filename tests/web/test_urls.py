"""The template's url() builds every named route's path exactly as Starlette's url_path_for would."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.routing import NoMatchFound

from app.web.templating import url_for


def test_every_named_route(app: FastAPI) -> None:
    url_for(app, "home")  # builds the table
    table = app.state.url_table
    assert len(table) > 100
    for name, (_format, params) in table.items():
        values = dict.fromkeys(params, "1")
        assert url_for(app, name, **values) == str(app.url_path_for(name, **values)), name


def test_unknown_names_and_wrong_parameters_fail_as_starlette_does(app: FastAPI) -> None:
    with pytest.raises(NoMatchFound):
        url_for(app, "no-such-route")
    with pytest.raises(NoMatchFound):
        url_for(app, "thread", wrong=1)
