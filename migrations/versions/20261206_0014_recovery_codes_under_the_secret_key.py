"""recovery codes kept as an HMAC under the secret key of their SHA-256, not the SHA-256 alone

A recovery code has about 50 bits: a copy of the database could be searched for the codes behind plain
SHA-256 hashes. The stored hash of each code made before this revision becomes HMAC(key, stored hash),
which is what app.accounts.twofactor.recovery_hash computes from the code, so every code keeps working.
The key is the app's secret key, resolved as the app resolves it (ACADEMY_SECRET_KEY, or the data
directory's file); a caller may hand it over as the config attribute "secret_key".

Downgrade: the HMAC cannot be undone, so the codes made under the key are deleted (the code of her
authenticator app still works; she makes new recovery codes from her account page).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 18:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from app.security import keyed_hash

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

codes = sa.table("recovery_code", sa.column("id", sa.Integer), sa.column("code_hash", sa.String(64)))


def _secret_key() -> str:
    """The app's key, never a new one: codes put under a key the app does not use would all be lost."""
    given = context.config.attributes.get("secret_key")
    if given:
        return str(given)
    from app.config import SECRET_KEY_FILE, get_settings

    settings = get_settings()
    if settings.secret_key or (settings.data_dir / SECRET_KEY_FILE).is_file():
        return settings.resolved_secret_key
    raise RuntimeError(
        "migration 0014 puts recovery codes under the app's secret key, and none is here: set "
        "ACADEMY_SECRET_KEY, or run `academy migrate` where ACADEMY_DATA_DIR holds the app's secret_key."
    )


def upgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("migration 0014 rewrites stored hashes with the secret key: run it online.")
    connection = op.get_bind()
    rows = connection.execute(sa.select(codes.c.id, codes.c.code_hash)).all()
    if not rows:
        return  # no key needed (and none made) where nothing is stored
    key = _secret_key()
    for row_id, stored in rows:
        connection.execute(
            sa.update(codes).where(codes.c.id == row_id).values(code_hash=keyed_hash(key, stored))
        )


def downgrade() -> None:
    op.execute(sa.delete(codes))
