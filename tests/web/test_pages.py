from __future__ import annotations

import gzip
import json
import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Database, create_engine
from app.errors import Forbidden
from app.main import create_app
from tests.factories import create_user, login, post


class TestHome:
    def test_has_the_layout(self, client: TestClient) -> None:
        response = client.get("/")
        assert response.status_code == 200
        html = response.text
        assert "<title>" in html
        assert '<header class="site-header">' in html
        assert '<main id="main"' in html
        assert "<footer" in html
        assert 'name="viewport"' in html

    def test_language_follows_accept_language(self, client: TestClient) -> None:
        assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
        assert '<html lang="ky">' in client.get("/", headers={"Accept-Language": "ky-KG"}).text
        assert '<html lang="ru">' in client.get("/", headers={"Accept-Language": "de, fr;q=0.5"}).text

    def test_language_switcher_sets_a_cookie_and_goes_back(self, client: TestClient) -> None:
        response = post(client, "/language", {"locale": "ky", "next": "/"})
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        assert "academy_locale=ky" in response.headers["set-cookie"]
        assert "HttpOnly" in response.headers["set-cookie"]
        assert '<html lang="ky">' in client.get("/").text

    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil", "javascript:x"])
    def test_language_switcher_never_redirects_elsewhere(self, client: TestClient, target: str) -> None:
        response = post(client, "/language", {"locale": "en", "next": target})
        assert response.headers["location"] == "/"

    def test_loads_nothing_from_other_hosts(self, client: TestClient) -> None:
        html = client.get("/").text
        assert not re.search(r'(src|href)="(https?:)?//', html)


class TestHeaders:
    def test_security_headers_on_every_response(self, client: TestClient) -> None:
        for path in ("/", "/no-such-page", "/healthz"):
            headers = client.get(path).headers
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert "unsafe-inline" not in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "same-origin"

    def test_request_id(self, client: TestClient) -> None:
        assert re.fullmatch(r"[0-9a-f]{16}", client.get("/").headers["x-request-id"])
        given = client.get("/", headers={"X-Request-ID": "lb-1234567890"})
        assert given.headers["x-request-id"] == "lb-1234567890"
        hostile = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"})
        assert "<" not in hostile.headers["x-request-id"]

    def test_pages_are_compressed(self, client: TestClient) -> None:
        response = client.get("/", headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"

    def test_what_zlib_ng_compresses_is_plain_gzip(self, client: TestClient) -> None:
        """app/compression.py: the browser's own gzip (here Python's) reads it back byte for byte."""
        plain = client.get("/courses", headers={"Accept-Encoding": "identity"})
        with client.stream("GET", "/courses", headers={"Accept-Encoding": "gzip"}) as squeezed:
            assert squeezed.headers["content-encoding"] == "gzip"
            raw = b"".join(squeezed.iter_raw())
        assert "content-encoding" not in plain.headers and len(raw) < len(plain.content) / 2
        assert gzip.decompress(raw) == plain.content

    def test_the_description_is_for_visitors_only(self, client: TestClient, session: Session) -> None:
        """Search engines read it; a signed-in page does without its bytes."""
        assert '<meta name="description"' in client.get("/").text
        login(client, create_user(session, client.app.state.settings).email)
        assert '<meta name="description"' not in client.get("/").text


class TestStatic:
    def test_versioned_asset_is_cached_for_a_year_and_compressed(self, client: TestClient) -> None:
        html = client.get("/").text
        css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', html)
        htmx = re.search(r'src="(/static/vendor/htmx/htmx\.min\.js\?v=[0-9a-f]+)"', html)
        assert css and htmx
        response = client.get(htmx.group(1), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert "immutable" in response.headers["cache-control"]
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["content-type"].startswith("application/javascript")
        assert "htmx" in response.text[:2000]  # httpx decodes the gzip body

    def test_unversioned_or_stale_url_must_revalidate(self, client: TestClient) -> None:
        response = client.get("/static/css/app.css?v=old")
        assert response.status_code == 200
        assert "immutable" not in response.headers["cache-control"]
        etag = response.headers["etag"]
        assert client.get("/static/css/app.css", headers={"If-None-Match": etag}).status_code == 304

    def test_missing_and_traversal(self, client: TestClient) -> None:
        assert client.get("/static/nope.css").status_code == 404
        assert client.get("/static/../app/config.py").status_code == 404
        assert client.get("/static/%2e%2e/config.py").status_code == 404


class TestHealth:
    def test_ok(self, client: TestClient) -> None:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"

    def test_unreachable_database_is_503(self, settings: Settings) -> None:
        broken = Database(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
        with TestClient(create_app(settings, broken)) as client:
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"


class TestErrors:
    def test_404_uses_the_layout(self, client: TestClient) -> None:
        response = client.get("/no/such/page", headers={"Accept-Language": "en"})
        assert response.status_code == 404
        assert '<header class="site-header">' in response.text
        assert "Page not found" in response.text

    def test_404_is_translated(self, client: TestClient) -> None:
        response = client.get("/no/such/page", headers={"Accept-Language": "ru"})
        assert "Страница не найдена" in response.text

    def test_404_fragment_for_htmx(self, client: TestClient) -> None:
        response = client.get("/no/such/page", headers={"HX-Request": "true"})
        assert response.status_code == 404
        assert "<html" not in response.text
        assert 'id="error"' in response.text

    def test_api_errors_are_json(self, client: TestClient) -> None:
        response = client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert "detail" in response.json()

    def test_403_uses_the_layout(self, settings: Settings, database: Database) -> None:
        app = create_app(settings, database)

        def forbidden() -> None:
            raise Forbidden()

        app.add_api_route("/forbidden", forbidden)
        with TestClient(app) as client:
            response = client.get("/forbidden", headers={"Accept-Language": "en"})
        assert response.status_code == 403
        assert "Access denied" in response.text
        assert '<header class="site-header">' in response.text

    def test_405(self, client: TestClient) -> None:
        response = client.delete("/")
        assert response.status_code == 405
        assert '<header class="site-header">' in response.text

    def test_500_shows_no_stack_trace(
        self, settings: Settings, database: Database, caplog: pytest.LogCaptureFixture
    ) -> None:
        app = create_app(settings, database)

        def boom() -> None:
            raise RuntimeError("secret internal detail")

        app.add_api_route("/boom", boom)
        with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.INFO):
            response = client.get("/boom", headers={"Accept-Language": "en"})
        assert response.status_code == 500
        assert "Something went wrong" in response.text
        assert "secret internal detail" not in response.text
        assert "Traceback" not in response.text
        assert '<header class="site-header">' in response.text
        crash = [r for r in caplog.records if r.name == "academy.request"]
        assert crash and crash[-1].levelno == logging.ERROR and crash[-1].exc_info

    def test_500_when_the_error_page_itself_fails(self, settings: Settings, database: Database) -> None:
        app = create_app(settings, database)

        def boom() -> None:
            raise RuntimeError("first")

        app.add_api_route("/boom", boom)
        app.state.templates = None  # rendering any page now fails
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/boom")
        assert response.status_code == 500
        assert "<h1>" in response.text
        assert "Traceback" not in response.text


class TestRequestLog:
    def test_one_json_line_per_request(self, app: FastAPI, capsys: pytest.CaptureFixture[str]) -> None:
        from app.logs import configure_logging

        configure_logging("INFO")
        try:
            with TestClient(app) as client:
                client.get("/healthz?token=secret")
                client.get("/static/css/app.css")
        finally:
            logging.getLogger().handlers[:] = []
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        requests = [line for line in lines if line["logger"] == "academy.request"]
        assert [line["path"] for line in requests] == ["/healthz", "/static/{name:path}"]
        first = requests[0]
        assert first["status"] == 200 and first["method"] == "GET" and len(first["request_id"]) == 16
        assert "secret" not in json.dumps(requests)
        assert "ms" in first


def test_htmx_asset_is_the_pinned_release(client: TestClient) -> None:
    body = client.get("/static/vendor/htmx/htmx.min.js").content
    assert b'version:"2.0.11"' in body or b"2.0.11" in body
    assert len(gzip.compress(body)) < 20_000


def test_navigation_marks_the_current_section_only(
    client: TestClient, session: Session, settings: Settings
) -> None:
    create_user(session, settings, email="nav@example.kg", locale="en")
    session.commit()
    current = re.compile(r'<a href="([^"]+)" aria-current="page">')
    assert current.findall(client.get("/").text) == ["/"]
    assert current.findall(client.get("/login").text) == ["/login"]
    login(client, "nav@example.kg")
    assert current.findall(client.get("/courses").text) == ["/courses"]
    assert current.findall(client.get("/account").text) == ["/account"]
    page = client.get("/my").text
    assert current.findall(page) == ["/my"]
    assert '<li><a href="/courses">Courses</a></li>' in page  # the label, and the link without a mark
    assert "/cohorts/" not in page  # a learner is not shown the staff's sections
