"""What the resolutions domain refuses, and why (messages marked for translation, shown in her language).

A refusal of what she sent (a 4xx in app.routing.REFUSABLE: 409, 422) names the field it belongs beside,
when there is one, and comes back on the page she was on, with her input; "not yours" and "not found"
(403, 404) are the error page.
"""

from __future__ import annotations

from typing import Any

from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.i18n import N_

# Who takes part -----------------------------------------------------------------------------------------


class ForumNotFound(NotFound):
    message = N_("We could not find that forum, or you do not take part in it.")


class NotManager(Forbidden):
    message = N_("Only the forum's coordinators can do that.")


class NotForumStaff(Forbidden):
    message = N_("Only the forum's staff can do that.")


class ForumInvalid(DomainError):
    """A forum's settings that will not do (beside the field at fault)."""

    status_code = 422

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(message, field=field, **params)


# Recommendations ----------------------------------------------------------------------------------------


class RecommendationNotFound(NotFound):
    message = N_("We could not find that recommendation, or it is not open to you.")


class RecommendationInvalid(DomainError):
    status_code = 422

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(message, field=field, **params)


class EndorsementRefused(Conflict):
    field = "endorse"


class NotNow(Conflict):
    message = N_("This recommendation can no longer be changed that way.")


class ConflictOfInterest(Conflict):
    """A trainer does not answer a recommendation she wrote, suggested or endorsed: another does."""

    field = "decision"
    message = N_(
        "You wrote, suggested or endorsed this recommendation, so another trainer of the forum answers it."
    )


class ForumClosed(Conflict):
    """The forum's window for new recommendations and endorsements is closed."""

    message = N_("This forum no longer takes new recommendations or endorsements.")


class AuthorNotInForum(Conflict):
    message = N_("The author of this post does not take part in the forum.")


# The resolution ------------------------------------------------------------------------------------------


class DraftInvalid(DomainError):
    status_code = 422

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(message, field=field, **params)


class StaleDraft(Conflict):
    message = N_(
        "Someone saved the draft after you opened it. Your changes are below, not saved: "
        "open the newest draft, and make them again there."
    )


class NotADraft(Conflict):
    message = N_("The resolution is adopted: its text can no longer change.")


class CommentsClosed(Conflict):
    """The comment window is closed (or was never opened)."""

    message = N_("Comments on the draft are closed.")
    field = "body"


class CommentsStillOpen(Conflict):
    """Adoption while members may still comment on the draft: the coordinators close the window first (the
    message is shown beside the window's field, where the button that closes it is)."""

    message = N_(
        "Comments on the draft are open until %(date)s. Close them first (under “Comments from "
        "participants”), then adopt the resolution."
    )
    field = "until"


class AdoptedInFuture(DomainError):
    """An adoption dated after today, in the organisation's time zone."""

    status_code = 422
    message = N_("The date of adoption cannot be after today (%(today)s).")
    field = "adopted_on"


class ItemNotFound(NotFound):
    message = N_("We could not find that item.")


class NumberTaken(Conflict):
    message = N_("Another resolution took this number a moment ago. Please try again.")


class NotAdopted(Conflict):
    message = N_("Only an adopted resolution can be published.")


class TextsMissing(Conflict):
    message = N_("Publishing needs the whole text in Kyrgyz, Russian and English.")


class ResolutionNotFound(NotFound):
    message = N_("We could not find a published resolution with this number.")


# Monitoring ----------------------------------------------------------------------------------------------


class AlreadyImplemented(Conflict):
    message = N_("This item is implemented: there is nothing to reaffirm.")


class AlreadyAdopted(Conflict):
    message = N_("The resolution of this forum is already adopted.")


class AlreadyInDraft(Conflict):
    message = N_("This item is already in the draft.")
