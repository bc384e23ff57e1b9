"""Our own scripts and stylesheet are served without their comments and spare whitespace (rjsmin,
rcssmin); vendored files exactly as they came; the version in a URL is the hash of what is served."""

from __future__ import annotations

import gzip
import hashlib

from app.staticfiles import STATIC_DIR, StaticAssets

OURS = ("js/sw.js", "js/offline.js", "css/app.css")


def test_our_scripts_and_stylesheet_are_served_without_comments() -> None:
    assets = StaticAssets(STATIC_DIR)
    for name in OURS:
        source = (STATIC_DIR / name).read_bytes()
        served = assets.assets[name].body
        assert b"/*" in source or b"\n//" in source, name  # the files explain themselves
        assert b"/*" not in served, name
        assert not any(line.lstrip().startswith(b"//") for line in served.splitlines()), name
        assert len(gzip.compress(served, 9)) < len(gzip.compress(source, 9)) - 500, name
        assert assets.assets[name].digest == hashlib.sha256(served).hexdigest()[:12]


def test_what_the_scripts_say_is_kept() -> None:
    served = StaticAssets(STATIC_DIR).assets["js/sw.js"].body.decode()
    assert 'importScripts("/static/js/offline.js"' in served
    assert "var LESSON=/^\\/courses\\/[^/]+\\/[^/]+$/;" in served  # a regular expression, untouched
    assert '"/offline?lang="' in served


def test_vendored_files_are_served_as_they_came() -> None:
    assets = StaticAssets(STATIC_DIR)
    assert (
        assets.assets["vendor/htmx/htmx.min.js"].body == (STATIC_DIR / "vendor/htmx/htmx.min.js").read_bytes()
    )
