"""What the discussions refuse, and why: the messages she reads (translated when shown).

A rule about what she wrote names the field it belongs beside (`field`), so that a form's page shows
the reason there, with her text kept (app.routing.shows_refusals, app.discussions.pages).
"""

from __future__ import annotations

from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.i18n import N_


class ThreadNotFound(NotFound):
    message = N_("We could not find that discussion, or it is not open to you.")


class PostNotFound(NotFound):
    message = N_("We could not find that post, or it is not open to you.")


class ThreadLocked(Forbidden):
    message = N_("This discussion is locked: nobody can post in it.")
    field = "body"
    refusable = True  # about what she wrote: shown beside it, on her page


class Muted(Forbidden):
    message = N_("A moderator has paused your posting in this cohort until %(date)s.")
    field = "body"
    refusable = True  # about what she wrote: shown beside it, on her page


class CannotPost(Forbidden):
    message = N_("You cannot post here.")


class EditWindowClosed(Forbidden):
    message = N_("A post can be edited only in the first 30 minutes after it is written.")
    field = "body"
    refusable = True  # about what she wrote: shown beside it, on her page


class PostInvalid(DomainError):
    status_code = 422


class MuteInvalid(PostInvalid):
    """A pause a moderator asked for that cannot be: raised with the field at fault (`field=...`)."""


class NotModerator(Forbidden):
    message = N_("Only the moderators of this discussion can do that.")


class AlreadyFlagged(Conflict):
    message = N_("You have already flagged this post.")
    field = "reason"
