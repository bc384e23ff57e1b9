"""A gallery of the main pages as a phone shows them (360×740), for a reviewer: `make screenshots`.

Makes a demo database in a temporary folder, serves it on a free port, signs in as each demo role and
saves one PNG per page and language into docs/screenshots/ (not committed: look at them, then delete).
Needs Chromium (Debian's `chromium`) and the dev extras (Playwright).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import free_port, wait_until_up  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("ACADEMY_CHROMIUM", "/usr/bin/chromium")
PAGES = {
    None: ["/", "/courses", "/login", "/register"],
    ("learner@example.org", "demo-learner-pass"): [
        "/",
        "/my",
        "/courses/women-peace-security",
        "/courses/women-peace-security/what-1325-says",
        "/join",
        "/discussions",
        "/notifications",
        "/account",
    ],
    ("trainer@example.org", "demo-trainer-pass"): ["/author/", "/author/courses/neighbourhood-risk-map"],
    ("coordinator@example.org", "demo-coordinator-pass"): ["/cohorts/", "/forums/"],
    ("admin@example.org", "demo-admin-pass"): ["/admin/users"],
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        env = os.environ | {"ACADEMY_DATA_DIR": data, "ACADEMY_DATABASE_URL": f"sqlite:///{data}/academy.db"}
        academy = str(Path(sys.executable).parent / "academy")
        subprocess.run([academy, "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([academy, "demo"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([academy, "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/healthz")
            shoot(base)
        finally:
            server.terminate()
            server.wait(timeout=15)
    print(f"screenshots in {OUT.relative_to(ROOT)}/")


def shoot(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for locale in ("ky", "ru"):
            for account, paths in PAGES.items():
                context = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale)
                context.add_cookies([{"name": "academy_locale", "value": locale, "url": base}])
                page = context.new_page()
                who = "visitor"
                if account:
                    who = account[0].split("@")[0]
                    page.goto(base + "/login")
                    page.fill("#field-email", account[0])
                    page.fill("#field-password", account[1])
                    page.click("main button[type=submit]")
                    page.wait_for_load_state()
                for path in paths:
                    page.goto(base + path)
                    name = path.strip("/").replace("/", "_") or "home"
                    page.screenshot(path=str(OUT / f"{locale}-{who}-{name}.png"), full_page=True)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
