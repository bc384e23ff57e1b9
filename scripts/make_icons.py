"""Draw the app's icons for the web app manifest (the favicon's mark: a white triangle on the brand
blue), so nothing is downloaded or made elsewhere. Run after changing the mark:

    python scripts/make_icons.py

Writes app/static/icons/icon-192.png and icon-512.png (a rounded square) and icon-maskable-512.png
(full bleed, the mark inside the safe zone, for Android's adaptive icons).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "app" / "static" / "icons"
BRAND, WHITE = (11, 79, 108, 255), (255, 255, 255, 255)


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges without anti-aliasing support in ImageDraw
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=BRAND)
        inset = big * 0.2  # the mark inside the maskable safe zone (the middle 60 %)
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 6 // 32, fill=BRAND)
        inset = big * 0.0
    unit = (big - 2 * inset) / 32
    points = [(inset + x * unit, inset + y * unit) for x, y in ((8, 22), (16, 9), (24, 22))]
    pen.line([*points, points[0], points[1]], fill=WHITE, width=round(3 * unit), joint="curve")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    draw(192, maskable=False).save(ICONS / "icon-192.png", optimize=True)
    draw(512, maskable=False).save(ICONS / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(ICONS / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
