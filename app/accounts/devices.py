"""A device's name from its browser's User-Agent, coarse on purpose ("Chrome on Android"): enough for her
to recognise a session on her account page, too little to fingerprint anyone. No IP address is kept."""

from __future__ import annotations

_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_BROWSERS = (  # the order matters: Edge and Opera say "Chrome" too, Chrome says "Safari"
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("YaBrowser", "Yandex Browser"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)


def device_label(user_agent: str) -> str:
    """ "Chrome on Android", "Firefox on Windows", or what little can be said ("Android", "a browser")."""
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or "?"
