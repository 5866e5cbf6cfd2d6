"""argon2id with OWASP parameters (argon2's smallest in test apps), rehash on parameter change,
the ``users create-admin`` command."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, Type

from app.extensions import db
from app.identity import passwords
from app.identity.models import User
from tests.identity.conftest import fetch
from tests.support import PASSWORD, login, register

PARAMS = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")
#: An app as production runs it (``TESTING`` off): the one place the suite pays for OWASP hashes.
REAL_HASHING = pytest.mark.parametrize("config_overrides", [{"TESTING": False}], ids=["owasp"])


def parameters(password_hash: str) -> tuple[int, int, int]:
    match = PARAMS.match(password_hash)
    assert match, password_hash
    m, t, p = (int(x) for x in match.groups())
    return m, t, p


@REAL_HASHING
def test_hashes_are_argon2id_with_owasp_parameters(app, client):
    assert not app.testing
    register(client, "alice")
    assert parameters(fetch("alice").password_hash) == (19456, 2, 1)


def test_test_apps_hash_with_argon2s_smallest_parameters(app, client):
    """Thousands of sign-ups in the suite cost milliseconds; the hashes still verify."""
    register(client, "alice")
    hashed = fetch("alice").password_hash
    assert parameters(hashed) == (8, 1, 1)
    assert passwords.verify_password(hashed, PASSWORD)
    assert not passwords.verify_password(hashed, "other-password")


def test_same_password_hashes_differently():
    assert passwords.hash_password(PASSWORD) != passwords.hash_password(PASSWORD)


def test_verify_rejects_garbage_hashes():
    assert not passwords.verify_password("not-a-hash", PASSWORD)
    assert not passwords.verify_password(passwords.hash_password("other-password"), PASSWORD)


@REAL_HASHING
@pytest.mark.parametrize(
    "weak",
    [
        PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID),
        PasswordHasher(time_cost=2, memory_cost=19456, parallelism=2, type=Type.ID),
        PasswordHasher(time_cost=3, memory_cost=12288, parallelism=1, type=Type.I),
    ],
)
def test_login_rehashes_when_parameters_change(make_user, client, weak):
    user = make_user("alice")
    user.password_hash = weak.hash(PASSWORD)
    db.session.commit()
    old = user.password_hash

    assert login(client, "alice").status_code == 303
    upgraded = fetch("alice").password_hash
    assert upgraded != old
    assert upgraded.startswith("$argon2id$")
    assert parameters(upgraded) == (19456, 2, 1)
    assert passwords.verify_password(upgraded, PASSWORD)
    assert login(client.application.test_client(), "alice").status_code == 303


def test_current_hash_is_left_alone_at_login(make_user, client):
    make_user("alice")
    before = fetch("alice").password_hash
    login(client, "alice")
    assert fetch("alice").password_hash == before


def test_failed_login_does_not_rehash(make_user, client):
    user = make_user("alice")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.session.commit()
    old = user.password_hash
    assert login(client, "alice", "wrong-password!").status_code == 422
    assert fetch("alice").password_hash == old


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("1234567", "at least 8"),
        ("a" * 129, "at most 128"),
        ("football", "most common"),
        ("FOOTBALL", "most common"),
        ("ann_lee_golf", "username"),
        ("ann@example.com", "email"),
        ("ann", "at least 8"),
    ],
)
def test_password_policy(password, problem):
    message = passwords.password_problem(password, username="ann_lee_golf", email="ann@example.com")
    assert message is not None and problem in message


@pytest.mark.parametrize("password", ["a" * 8, "a" * 128, "Tr0ub4dor&3x", "ab cd ef gh", "пароль-для-гольфа"])
def test_password_policy_has_no_composition_rules(password):
    assert passwords.password_problem(password) is None


# --- users create-admin ------------------------------------------------------------------


def test_create_admin_with_password_option(runner, client):
    result = runner.invoke(args=["users", "create-admin", "Root", "Root@Example.com", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "admin root created" in result.output
    user = fetch("root")
    assert user.role == "admin" and user.is_admin and user.email == "root@example.com"
    assert user.email_verified and user.can("admin") and user.can("user")
    assert not passwords.needs_rehash(user.password_hash)
    assert login(client, "root").status_code == 303


def test_create_admin_prompts_for_the_password(runner, client):
    result = runner.invoke(args=["users", "create-admin", "root", "root@example.com"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output and PASSWORD not in result.output
    assert fetch("root").is_admin
    assert login(client, "root@example.com").status_code == 303


def test_create_admin_prompt_must_match(runner):
    result = runner.invoke(args=["users", "create-admin", "root", "root@example.com"],
                           input=f"{PASSWORD}\nsomething-else-1\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert fetch("root").is_admin


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["root", "root@example.com", "--password", "short"], "at least 8"),
        (["root", "root@example.com", "--password", "password"], "most common"),
        (["alice", "new@example.com", "--password", PASSWORD], "username is taken"),
        (["root", "ALICE@example.com", "--password", PASSWORD], "already in use"),
        (["bad name", "root@example.com", "--password", PASSWORD], "letters, digits and underscores"),
        (["ab", "root@example.com", "--password", PASSWORD], "3 to 30 characters"),
        (["r" * 31, "root@example.com", "--password", PASSWORD], "3 to 30 characters"),
        (["root", "not-an-address", "--password", PASSWORD], "valid email address"),
    ],
)
def test_create_admin_refuses_bad_input(make_user, runner, args, message):
    make_user("alice")
    result = runner.invoke(args=["users", "create-admin", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert not fetch("alice").is_admin
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_regular_users_are_not_admins(client):
    register(client, "alice")
    user = fetch("alice")
    assert user.role == "user" and not user.is_admin and not user.can("admin") and user.can("user")
