from __future__ import annotations

from typing import Any

from tests.browser.conftest import axe_violations


def test_axe_reports_violations(page: Any) -> None:
    """The accessibility checks can fail: a page with known faults gives known findings."""
    page.set_content(
        '<html><body><img src="x.png"><a href="#"></a><p style="color:#eee">low</p></body></html>'
    )
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "link-name", "html-has-lang"} <= found
