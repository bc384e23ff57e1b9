"""Kyrgyzstan's seven regions and two cities of republican significance (ISO 3166-2 codes)."""

from __future__ import annotations

from app.i18n import N_

REGIONS: dict[str, str] = {
    "KG-GB": N_("Bishkek city"),
    "KG-GO": N_("Osh city"),
    "KG-B": N_("Batken region"),
    "KG-C": N_("Chüy region"),
    "KG-J": N_("Jalal-Abad region"),
    "KG-N": N_("Naryn region"),
    "KG-O": N_("Osh region"),
    "KG-T": N_("Talas region"),
    "KG-Y": N_("Issyk-Kul region"),
}
NO_REGION = ""  # "prefer not to say"
