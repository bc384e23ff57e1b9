"""A published resolution as files: PDF, DOCX, Markdown (in one language) and JSON (all of it).

All four are made from the frozen text (`Resolution.adopted_text`), so each has every item, in order,
exactly as adopted. The JSON carries the text whose SHA-256 is the fingerprint: anyone can check it.
An item that reaffirms an item of an earlier resolution says so in all four ("reaffirms item 3 of
resolution 2026-1", with the address of that item when it is published).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date

from app import i18n
from app.learning.certificates import FONTS
from app.resolutions.access import text_in
from app.resolutions.models import Resolution
from app.resolutions.words import ADDRESSEE_LABELS, THEME_LABELS


@dataclass(frozen=True)
class Reaffirms:
    """The item of an earlier resolution that an item reaffirms."""

    number: str  # the earlier resolution's number
    item: int  # the item's number in it
    published: bool  # the earlier resolution is published: its page can be linked to

    @property
    def path(self) -> str:
        """The earlier item on its public page ("" while that resolution is not published)."""
        return f"/resolutions/{self.number}#item-{self.item}" if self.published else ""

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}{self.path}" if self.published else ""


@dataclass(frozen=True)
class Item:
    number: int
    text: str
    theme: str
    addressee: str
    reaffirms: str = ""  # "reaffirms item 3 of resolution 2026-1", in the file's language
    reaffirms_url: str = ""  # that item's public address, when its resolution is published
    reaffirms_path: str = ""  # the same, on this site (for the page)


@dataclass(frozen=True)
class Text:
    """The resolution in one language, ready to print."""

    locale: str
    title: str
    number_line: str
    adopted_line: str
    preamble: list[str]  # paragraphs
    items: list[Item]
    fingerprint_line: str
    url: str


def in_language(
    resolution: Resolution,
    locale: str,
    *,
    base_url: str,
    reaffirms: Mapping[int, Reaffirms] | None = None,
) -> Text:
    """The frozen text in one language; `reaffirms`: item number -> the earlier item it reaffirms."""
    frozen: dict[str, Any] = resolution.adopted_text or {}
    reaffirms = reaffirms or {}
    with i18n.use_locale(locale):
        gettext = i18n.gettext
        date = (
            format_date(resolution.adopted_on, format="long", locale=locale) if resolution.adopted_on else ""
        )
        place = text_in(frozen.get("place", {}), locale)
        if resolution.outcome == "vote":
            votes = frozen.get("votes") or {}
            how = gettext("by a vote: %(for)s for, %(against)s against, %(abstain)s abstaining") % {
                "for": votes.get("for", 0),
                "against": votes.get("against", 0),
                "abstain": votes.get("abstain", 0),
            }
        else:
            how = gettext("by consensus")
        return Text(
            locale=locale,
            title=text_in(frozen.get("forum", {}), locale),
            number_line=gettext("Resolution %(number)s") % {"number": resolution.number},
            adopted_line=gettext("Adopted in %(place)s on %(date)s, %(how)s.")
            % {"place": place, "date": date, "how": how},
            preamble=[
                p.strip() for p in text_in(frozen.get("preamble", {}), locale).split("\n\n") if p.strip()
            ],
            items=[
                Item(
                    item["number"],
                    text_in(item["text"], locale),
                    gettext(THEME_LABELS.get(item["theme"], item["theme"])),
                    gettext(ADDRESSEE_LABELS.get(item["addressee"], item["addressee"])),
                    *_reaffirms_line(reaffirms.get(item["number"]), base_url),
                )
                for item in frozen.get("items", [])
            ],
            fingerprint_line=gettext("SHA-256 fingerprint of the adopted text: %(sha)s")
            % {"sha": resolution.fingerprint},
            url=f"{base_url.rstrip('/')}/resolutions/{resolution.number}",
        )


def _reaffirms_line(link: Reaffirms | None, base_url: str) -> tuple[str, str, str]:
    """The line, the address and the path an item gets for what it reaffirms (in the current language)."""
    if link is None:
        return "", "", ""
    line = i18n.gettext("reaffirms item %(item)s of resolution %(number)s") % {
        "item": link.item,
        "number": link.number,
    }
    return line, link.url(base_url), link.path


def _reaffirms_note(item: Item) -> str:
    """The note printed under such an item in PDF and DOCX: (reaffirms item 3 of resolution 2026-1: its
    address)."""
    if not item.reaffirms:
        return ""
    return f"({item.reaffirms}: {item.reaffirms_url})" if item.reaffirms_url else f"({item.reaffirms})"


def markdown(text: Text) -> str:
    lines = [f"# {text.title}", "", f"**{text.number_line}**", "", text.adopted_line, ""]
    for paragraph in text.preamble:
        lines += [paragraph, ""]
    for item in text.items:
        lines += [f"{item.number}. {item.text}", ""]
        if item.reaffirms:  # indented: part of the item, not a paragraph after the list
            link = f"[{item.reaffirms}]({item.reaffirms_url})" if item.reaffirms_url else item.reaffirms
            lines += [f"   *({link})*", ""]
    lines += ["---", "", text.fingerprint_line, "", text.url, ""]
    return "\n".join(lines)


def as_json(
    resolution: Resolution,
    monitoring: list[dict[str, Any]],
    *,
    base_url: str,
    reaffirms: Mapping[int, Reaffirms] | None = None,
) -> str:
    """All of it: the fingerprinted text (as adopted, untouched), what its items reaffirm, and the
    monitoring."""
    document = {
        "number": resolution.number,
        "url": f"{base_url.rstrip('/')}/resolutions/{resolution.number}",
        "published_at": resolution.published_at.isoformat() if resolution.published_at else None,
        "fingerprint": {
            "algorithm": "sha256",
            "of": "the 'text' member, as JSON with keys sorted, no spaces, UTF-8",
            "value": resolution.fingerprint,
        },
        "text": resolution.adopted_text,
        "reaffirms": [
            {
                "item": number,
                "resolution": link.number,
                "resolution_item": link.item,
                "url": link.url(base_url),
            }
            for number, link in sorted((reaffirms or {}).items())
        ],
        "monitoring": monitoring,
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def pdf(text: Text) -> bytes:
    from fpdf import FPDF  # imported here: only these files need it, and it is heavy

    document = FPDF(unit="mm", format="A4")
    document.set_title(f"{text.title}: {text.number_line}")
    document.set_creator("Civic Space Academy")
    document.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    document.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    document.set_auto_page_break(True, margin=18)
    document.set_margins(20, 20, 20)
    document.add_page()
    width = document.w - 40

    def block(value: str, size: float, *, bold: bool = False, gap: float = 3, indent: float = 0) -> None:
        document.set_font("DejaVu", "B" if bold else "", size)
        document.set_x(20 + indent)
        document.multi_cell(width - indent, size * 0.5, value)
        document.ln(gap)

    block(text.title, 16, bold=True, gap=2)
    block(text.number_line, 12, bold=True, gap=1)
    block(text.adopted_line, 10, gap=6)
    for paragraph in text.preamble:
        block(paragraph, 11)
    document.ln(2)
    for item in text.items:
        if item.reaffirms:
            block(f"{item.number}. {item.text}", 11, gap=1)
            block(_reaffirms_note(item), 9, gap=3, indent=6)
        else:
            block(f"{item.number}. {item.text}", 11, gap=3)
    document.ln(4)
    block(text.fingerprint_line, 8, gap=1)
    block(text.url, 8, gap=0)
    return bytes(document.output())


def docx(text: Text) -> bytes:
    from docx import Document  # imported here: python-docx brings lxml, which no page needs
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = f"{text.title}: {text.number_line}"
    document.core_properties.language = text.locale
    style = document.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(11)
    document.add_heading(text.title, level=1)
    document.add_paragraph().add_run(text.number_line).bold = True
    document.add_paragraph(text.adopted_line)
    for paragraph in text.preamble:
        document.add_paragraph(paragraph)
    for item in text.items:
        document.add_paragraph(f"{item.number}. {item.text}")
        if item.reaffirms:
            note = document.add_paragraph().add_run(_reaffirms_note(item))
            note.italic, note.font.size = True, Pt(9)
    footer = document.add_paragraph(text.fingerprint_line)
    footer.runs[0].font.size = Pt(8)
    document.add_paragraph(text.url).runs[0].font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
