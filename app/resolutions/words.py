"""The names of themes, addressees, states and statuses, for pages and files (marked for translation)."""

from __future__ import annotations

from app.i18n import N_

THEME_LABELS = {
    "risk_reduction": N_("Risk reduction"),
    "peace_security": N_("Peace and security"),
    "labour_rights": N_("Labour rights"),
    "civic_space": N_("Civic space"),
    "other": N_("Other"),
}
ADDRESSEE_LABELS = {
    "government": N_("Government"),
    "parliament": N_("Parliament"),
    "local_councils": N_("Local councils"),
    "business": N_("Business"),
    "international_partners": N_("International partners"),
    "civil_society": N_("Civil society"),
}
STATE_LABELS = {
    "suggested": N_("Suggested, waiting for its author"),
    "open": N_("Open for endorsement"),
    "qualified": N_("Waiting for review"),
    "accepted": N_("Accepted for the draft"),
    "needs_work": N_("Needs work"),
    "declined": N_("Declined"),
    "merged": N_("Merged"),
}
DECLINE_LABELS = {
    "duplicate": N_("A duplicate"),
    "out_of_scope": N_("Out of the forum's scope"),
    "already_in_resolution": N_("Already in the resolution"),
    "not_actionable": N_("Not actionable"),
}
EVENT_LABELS = {
    "created": N_("Written"),
    "suggested": N_("Suggested by a trainer"),
    "confirmed": N_("Confirmed by its author"),
    "qualified": N_("Qualified for review"),
    "unqualified": N_("No longer enough endorsements for review"),
    "reviewed": N_("Reviewed"),
    "revised": N_("Revised by its author"),
    "amendment": N_("An amendment was proposed"),
    "amendment_accepted": N_("An amendment was accepted"),
    "amendment_rejected": N_("An amendment was rejected"),
    "merged": N_("Merged into another recommendation"),
    "merged_in": N_("Another recommendation was merged into this one"),
}
ITEM_STATUS_LABELS = {
    "not_started": N_("Not started yet"),
    "in_progress": N_("Under way"),
    "partly_done": N_("Partly done"),
    "implemented": N_("Implemented"),
    "stalled": N_("Stalled"),
    "dropped": N_("Dropped"),
}
OUTCOME_LABELS = {"consensus": N_("By consensus"), "vote": N_("By a vote")}
