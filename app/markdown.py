"""Markdown to safe HTML: markdown-it (CommonMark, tables, strikethrough; raw HTML off), then nh3 with
an allow-list. Course lessons and participants' posts both pass through here.

Links and images can be rewritten on the way (`lesson:slug` to a lesson's address, `photo.png` to its
stored copy). Images are only ever served from our own `/media/`: an image from another host would tell
that host who reads what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


@cache
def _markdown() -> MarkdownIt:
    """The parser, made on first use: importing markdown-it costs start-up time that serving pages
    does not need (lesson bodies are rendered when content is loaded, not when it is read)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    return parser.enable(["table", "strikethrough"])


ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "loading"},
    "ol": {"start"},
}

# Resolves a link target (or an image source); returns the new target, or None to keep it as it is.
Resolver = Callable[[str], str | None]


def parse(text: str) -> list[Token]:
    return _markdown().parse(text)


def iter_inline(tokens: list[Token]) -> Iterator[tuple[Token, int]]:
    """Every inline child token (links, images, text) with the 0-based source line of its block."""
    for token in tokens:
        if token.type == "inline" and token.children:
            line = token.map[0] if token.map else 0
            for child in token.children:
                yield child, line


def render(text: str, *, resolve: Resolver | None = None, allow_images: bool = True) -> str:
    tokens = parse(text)
    for child, _line in iter_inline(tokens):
        if child.type == "link_open":
            href = str(child.attrGet("href") or "")
            new = resolve(href) if resolve else None
            if new is not None:
                child.attrSet("href", new)
        elif child.type == "image":
            src = str(child.attrGet("src") or "")
            new = resolve(src) if resolve else None
            if new is not None:
                child.attrSet("src", new)
            child.attrSet("loading", "lazy")
    html = _markdown().renderer.render(tokens, _markdown().options, {})
    return sanitize(html, allow_images=allow_images)


# Participants' posts: no headings (they would break the page's outline), no images (nothing to host
# them, and an image is a way to learn who reads a page).
POST_TAGS = ALLOWED_TAGS - {"h2", "h3", "h4", "h5", "h6", "img", "hr"}


def render_post(text: str) -> str:
    html = _markdown().renderer.render(parse(text), _markdown().options, {})
    return sanitize(html, allow_images=False, tags=POST_TAGS)


def render_inline(text: str) -> str:
    """A short text (an option, a choice): emphasis and links, no paragraphs or images."""
    return sanitize(_markdown().renderInline(text), allow_images=False)


def _attribute_filter(allow_images: bool) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return value if allow_images and value.startswith("/media/") else None
        return value

    return keep


def sanitize(html: str, *, allow_images: bool = True, tags: set[str] | None = None) -> str:
    tags = set(tags or ALLOWED_TAGS)
    if not allow_images:
        tags.discard("img")
    return nh3.clean(
        html,
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_attribute_filter(allow_images),
        strip_comments=True,
    )
