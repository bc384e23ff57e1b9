"""Every domain's models, imported so that Alembic and the tests see one metadata."""

from app.accounts import models as accounts_models
from app.authoring import models as authoring_models
from app.courses import models as courses_models
from app.db import Base
from app.discussions import models as discussions_models
from app.learning import models as learning_models
from app.resolutions import models as resolutions_models

__all__ = [
    "Base",
    "accounts_models",
    "authoring_models",
    "courses_models",
    "discussions_models",
    "learning_models",
    "resolutions_models",
]
