from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.courses import loader, sync
from app.courses.models import Media
from app.markdown import render, render_inline


def test_media_is_served_with_its_type_and_cached(
    client: TestClient, session: Session, settings: Settings, example: Path
) -> None:
    specs, _report = loader.load(example)
    sync.sync(session, specs, media_dir=Path(settings.data_dir) / "media")
    session.commit()
    sha = session.scalars(sa.select(Media.sha256)).one()
    response = client.get(f"/media/{sha}.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "immutable" in response.headers["cache-control"]
    assert response.content == (example / "01-basics" / "01-diagram.png").read_bytes()


@pytest.mark.parametrize(
    "name", ["x.png", "../secret_key", "%2e%2e%2fsecret_key", "0" * 64 + ".png", "0" * 64 + ".svg"]
)
def test_media_refuses_anything_else(client: TestClient, name: str) -> None:
    assert client.get(f"/media/{name}").status_code == 404


class TestMarkdown:
    def test_raw_html_never_passes(self) -> None:
        html = render(
            '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n<a href="javascript:alert(1)">x</a>'
        )
        assert "<script" not in html and "<img" not in html and "<a " not in html  # shown as text, escaped
        assert "&lt;script&gt;" in html

    def test_links_are_kept_and_marked(self) -> None:
        html = render("[UNDRR](https://www.undrr.org/) and [mail](mailto:a@b.kg)")
        assert 'href="https://www.undrr.org/"' in html and 'rel="noopener noreferrer nofollow"' in html

    def test_images_from_elsewhere_are_dropped(self) -> None:
        html = render("![pixel](https://tracker.example/p.png)")
        assert "tracker.example" not in html

    def test_only_our_media_images_stay(self) -> None:
        html = render("![diagram](d.png)", resolve=lambda target: "/media/" + "a" * 64 + ".png")
        assert '<img src="/media/' in html and 'loading="lazy"' in html

    def test_inline(self) -> None:
        assert render_inline("*Yes*, <b>bold</b>") == "<em>Yes</em>, &lt;b&gt;bold&lt;/b&gt;"
