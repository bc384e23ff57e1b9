"""Offline in the real browser (issue 22, first part): the service worker installs, a page the phone
does not have shows the offline page in her language (styled, from the phone), never the browser's
error; a page she is on marks itself offline; signing out removes the service worker and its caches."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.config import Settings
from tests.browser.conftest import sign_in
from tests.factories import create_user, enrol, sync_course

READY = "async () => { const r = await navigator.serviceWorker.ready; return !!r.active; }"
PROBE = """async () => { localStorage.setItem('probe', '1');
  await (await caches.open('probe')).put('/probe', new Response('hers')); }"""
PROBED = "async () => localStorage.getItem('probe') === '1' || (await caches.keys()).includes('probe')"
CACHED = """async () => { const urls = [];
  for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(r.url);
  return urls; }"""


def test_offline_a_page_not_on_the_phone_is_the_offline_page(
    browser: Any, live_server: str, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings, locale="ky")
    enrol(session, user, course)
    session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ky-KG")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, user.email)
        page.goto(live_server + "/my")
        assert page.evaluate(READY)
        page.reload()  # now under the service worker's care
        context.set_offline(True)
        page.locator(".offline-mark").wait_for()  # the page she is on says so
        page.goto(live_server + "/courses/example-course/check")  # never opened: not on the phone
        assert page.locator("h1").inner_text() == "Интернет байланышы жок"
        assert page.locator("html").get_attribute("lang") == "ky"
        colour = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        assert colour == "rgb(11, 79, 108)"  # its stylesheet came from the phone too
        context.set_offline(False)
        page.goto(live_server + "/logout")
        page.evaluate(PROBE)  # something of hers on the phone: a cache entry and local storage
        assert page.evaluate(PROBED)
        page.click("main button[type=submit]")
        page.wait_for_url(live_server + "/")
        assert not page.evaluate(PROBED)  # Clear-Site-Data: it is gone
        kept = page.evaluate(CACHED)
        assert all("/offline?lang=" in url or "/static/" in url for url in kept), kept
    finally:
        context.close()


def test_without_javascript_nothing_changes(page_without_js: Any, live_server: str) -> None:
    page_without_js.goto(live_server + "/")
    assert page_without_js.locator("main h1").is_visible()
    assert not page_without_js.locator(".offline-mark").is_visible()


def test_a_saved_course_opens_offline_lesson_by_lesson(
    browser: Any, live_server: str, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings, locale="ky")
    enrol(session, user, course)
    session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ky-KG")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server, user.email)
        page.goto(live_server + "/courses/example-course")
        assert page.evaluate(READY)
        page.reload()
        box = page.locator("[data-save-offline]")
        box.locator("[data-action=save]").click()
        page.wait_for_function(
            "() => document.querySelector('[data-save-offline] [data-status]').textContent"
            ".startsWith('Сакталган сабактар: 5 ичинен 5,')"
        )
        assert box.locator("[data-action=remove]").is_visible()
        assert box.locator("[data-status]").inner_text().endswith("кБ")  # the size as Kyrgyz writes it
        context.set_offline(True)
        page.goto(live_server + "/courses/example-course/your-turn")  # never opened online
        assert page.locator("article h1, main h1").first.is_visible()
        assert page.locator(".offline-mark").is_visible()
        assert page.locator(".lesson-body, #reflection").first.is_visible()
        page.goto(live_server + "/discussions")  # not saved
        assert page.locator("h1").inner_text() == "Интернет байланышы жок"
        context.set_offline(False)
        page.goto(live_server + "/courses/example-course")
        page.locator("[data-save-offline] [data-action=remove]").click()
        page.wait_for_function("async () => !(await caches.has('academy-course-example-course-ky'))")
    finally:
        context.close()


def test_the_worker_imports_the_queue_file_the_page_already_holds(
    page: Any, live_server: str, session: Session, settings: Settings
) -> None:
    """The service worker imports offline.js at the version the page loaded, the URL the browser already
    holds as immutable (what that saves over the wire is measured by `make bench-quick`, not here)."""
    user = create_user(session, settings)
    session.commit()
    asked: list[str] = []
    page.context.on("request", lambda request: request.service_worker and asked.append(request.url))
    sign_in(page, live_server, user.email)
    page.goto(live_server + "/my")
    assert page.evaluate(READY)
    loaded = page.locator("script[src*='/static/js/offline.js']").get_attribute("src")
    assert loaded and "?v=" in loaded
    version = loaded.split("?v=")[1]
    worker = page.evaluate("async () => (await navigator.serviceWorker.ready).active.scriptURL")
    assert worker.endswith(f"&v={version}")
    imported = [url for url in asked if "/static/js/offline.js" in url]
    assert imported and all(url == live_server + loaded for url in imported), asked


CONTROLLED = """() => navigator.serviceWorker.ready.then(() => new Promise((done) => {
  if (navigator.serviceWorker.controller) done(true);
  else navigator.serviceWorker.addEventListener('controllerchange', () => done(true));
}))"""
# A new worker (as after a deploy, or when she changes her language), and a page opened the moment it
# has installed: the moment at which the old worker answers the page while the new one would take over.
NEW_WORKER_THEN_A_PAGE = """(url) => navigator.serviceWorker.register(url, { scope: '/' }).then((registration) => {
  const worker = registration.installing;
  worker.addEventListener('statechange', () => { if (worker.state === 'installed') location.href = '/courses'; });
})"""
WAITING = "async () => !!(await navigator.serviceWorker.getRegistration('/')).waiting"


def test_a_page_opened_while_a_new_worker_installs_still_loads(page: Any, live_server: str) -> None:
    """A new worker waits until no page uses the old one. When it took over at once (skipWaiting), a
    page opened through the old worker at that moment never loaded in Chromium: CI failed so, once, on
    signing out just after her language changed (the worker's URL holds the language)."""
    page.goto(live_server + "/")
    assert page.evaluate(CONTROLLED)  # the first worker takes over at once: there is no other
    for attempt in range(3):
        page.goto(live_server + "/")  # through the worker in charge
        assert page.evaluate(CONTROLLED)
        with page.expect_navigation(url=live_server + "/courses"):
            page.evaluate(NEW_WORKER_THEN_A_PAGE, f"/sw.js?lang=ky&v=new-{attempt}")
        assert page.evaluate(WAITING)  # the new one waits its turn
