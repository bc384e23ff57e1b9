from __future__ import annotations

import subprocess
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent, User
from app.config import Settings
from tests.factories import create_user, login, post, refresh
from tests.test_cli import academy as run_academy
from tests.test_cli import environment


class TestAdminRoles:
    def test_admin_grants_and_removes_roles_and_each_change_is_logged(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        admin = create_user(session, settings, roles=("admin",), display_name="Админ")
        learner = create_user(session, settings, display_name="Жибек")
        login(client, admin.email)
        page = f"/admin/users/{learner.id}"
        response = post(
            client, f"{page}/roles", {"role_learner": "on", "role_trainer": "on"}, token_from=page
        )
        assert response.status_code == 303
        assert session.get(User, learner.id).role_names == {"learner", "trainer"}  # type: ignore[union-attr]
        post(client, f"{page}/roles", {"role_trainer": "on"}, token_from=page)
        assert session.get(User, learner.id).role_names == {"trainer"}  # type: ignore[union-attr]
        events = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("role.%")).order_by(AuditEvent.id)
        ).all()
        assert [(e.actor_ref, e.action, e.target_ref, e.detail) for e in events] == [
            (admin.public_id, "role.grant", learner.public_id, "trainer"),
            (admin.public_id, "role.revoke", learner.public_id, "learner"),
        ]
        audit = client.get("/admin/audit")
        assert audit.status_code == 200 and "role.grant" in audit.text and "Жибек" in audit.text

    def test_the_last_admin_keeps_her_role(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        admin = create_user(session, settings, roles=("admin",))
        login(client, admin.email)
        page = f"/admin/users/{admin.id}"
        response = post(client, f"{page}/roles", {"role_learner": "on"}, token_from=page)
        assert response.status_code == 409
        # Back on her user page, the reason beside the administrator's box, which is still ticked.
        assert 'id="error-role_admin"' in response.text and 'href="#field-role_admin"' in response.text
        assert 'name="role_admin" checked' in response.text
        assert session.get(User, admin.id).role_names == {"admin"}  # type: ignore[union-attr]
        # The learner role granted before the refusal is rolled back with it: nothing half-done.
        roles = sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action.like("role.%"))
        assert session.scalar(roles) == 0

    def test_user_list_and_search(self, client: TestClient, session: Session, settings: Settings) -> None:
        admin = create_user(session, settings, roles=("admin",))
        create_user(session, settings, email="cholpon@example.kg", display_name="Чолпон")
        login(client, admin.email)
        assert "cholpon@example.kg" in client.get("/admin/users").text
        found = client.get("/admin/users?q=cholpon", headers={"HX-Request": "true"})
        assert "cholpon@example.kg" in found.text and "<html" not in found.text
        assert "cholpon@example.kg" not in client.get("/admin/users?q=nobody").text

    def test_unknown_user_is_404(self, client: TestClient, session: Session, settings: Settings) -> None:
        admin = create_user(session, settings, roles=("admin",))
        login(client, admin.email)
        assert client.get("/admin/users/999999").status_code == 404


def academy(settings: Settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `academy` command against the test database."""
    env = environment(Path(settings.data_dir), database_url=settings.database_url, base_url=settings.base_url)
    return run_academy(*args, env=env, stdin=stdin)


class TestUsersCommand:
    def test_create_grant_and_revoke(self, session: Session, settings: Settings) -> None:
        session.commit()
        created = academy(
            settings, "users", "create", "--email", "Trainer@Example.kg", "--name", "Тренер",
            "--password", "walnut forest evening", "--role", "trainer", "--role", "coordinator",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        user = session.scalars(sa.select(User).where(User.email == "trainer@example.kg")).one()
        assert user.role_names == {"trainer", "coordinator"}
        assert academy(settings, "users", "grant", "trainer@example.kg", "admin").returncode == 0
        assert academy(settings, "users", "revoke", "trainer@example.kg", "trainer").returncode == 0
        refresh(session)
        assert session.get(User, user.id).role_names == {"coordinator", "admin"}  # type: ignore[union-attr]
        actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["user.create", "role.grant", "role.revoke"]
        assert set(session.scalars(sa.select(AuditEvent.actor_ref))) == {None}  # the command line
        session.commit()

    def test_bad_input_is_one_line(self, settings: Settings, database: object) -> None:
        result = academy(settings, "users", "create", "--email", "nope", "--name", "X", "--password", "123")
        assert result.returncode == 2
        assert (
            result.stderr.count("\n") == 1 and "email" in result.stderr and "Traceback" not in result.stderr
        )
        missing = academy(settings, "users", "grant", "ghost@example.kg", "admin")
        assert missing.returncode == 2 and "no account" in missing.stderr
        role = academy(settings, "users", "grant", "ghost@example.kg", "emperor")
        assert role.returncode == 2 and "Traceback" not in role.stderr

    def test_password_is_prompted_when_not_given(self, session: Session, settings: Settings) -> None:
        result = academy(
            settings, "users", "create", "--email", "p@example.kg", "--name", "Prompt",
            stdin="walnut forest evening\nwalnut forest evening\n",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        refresh(session)
        assert session.scalars(sa.select(User).where(User.email == "p@example.kg")).one()
        session.commit()
