"""Sign-up: the account, its verification mail, the rules on names, addresses and passwords."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import User
from app.identity.routes import CHECK_INBOX
from app.referrals import memory
from tests.identity.conftest import fetch
from tests.support import PASSWORD, link_in, post, register


def flashes(client) -> list[str]:
    body = client.get("/").get_data(as_text=True)
    found = re.findall(r'<div class="flash[^"]*" role="status">([^<]*)</div>', body)
    return [html.unescape(m) for m in found]


def users() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_register_logs_in_and_mails_a_verification_link(client, mailbox, drain):
    response = register(client, "alice", "alice@example.com")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Hi, alice" in page and CHECK_INBOX in html.unescape(page)
    drain()
    [mail] = mailbox.to("alice@example.com")
    assert re.search(r"http://fairway\.test/verify/[\w.\-]+", mail.body)
    user = fetch("alice")
    assert user.role == "user" and user.email_verified_at is None and user.is_active
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_register_page_prefills_a_live_code_from_the_query(client):
    from app.referrals.invites import mint_invites

    (invite,) = mint_invites(uses=1)
    db.session.commit()
    assert f'value="{invite.code}"' in client.get(f"/register?code={invite.code}").get_data(as_text=True)
    # An unknown code is not prefilled (it would refuse the sign-up it was meant to help).
    assert 'value="ABCD23"' not in client.get("/register?code=ABCD23").get_data(as_text=True)


def test_register_page_prefills_the_remembered_referral(app, client):
    with app.test_request_context():
        client.set_cookie(memory.COOKIE, memory.signed("REMEMB3"))
    assert 'value="REMEMB3"' in client.get("/register").get_data(as_text=True)


def test_signed_in_user_is_sent_home_from_register(client):
    register(client, "alice")
    response = client.get("/register")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_username_is_stored_lower_case(client):
    assert register(client, "Alice_99", "a99@example.com").status_code == 303
    assert fetch("alice_99").email == "a99@example.com"


@pytest.mark.parametrize("name", ["alice", "ALICE", "Alice", " alice "])
def test_usernames_are_unique_ignoring_case(app, client, name):
    assert register(client, "alice", "first@example.com").status_code == 303
    other = app.test_client()
    response = register(other, name, "second@example.com")
    assert response.status_code == 422
    assert "That username is taken." in response.get_data(as_text=True)
    assert users() == 1


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("ab", "Usernames are 3 to 30 characters."),
        ("a" * 31, "Usernames are 3 to 30 characters."),
        ("bad-name", "Use only letters, digits and underscores."),
        ("bad name", "Use only letters, digits and underscores."),
        ("ünïcode", "Use only letters, digits and underscores."),
        ("a.b.c", "Use only letters, digits and underscores."),
        ("<script>", "Use only letters, digits and underscores."),
        ("", "Choose a username."),
        ("x" * 10_000, "Usernames are 3 to 30 characters."),
    ],
)
def test_bad_usernames_are_refused(client, username, message):
    response = register(client, username, "someone@example.com")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert users() == 0


@pytest.mark.parametrize("name", ["abc", "a" * 30, "golf_4_life", "___"])
def test_edge_usernames_are_accepted(client, name):
    assert register(client, name, "someone@example.com").status_code == 303


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "Enter a valid email address."),
        ("a@b", "Enter a valid email address."),
        ("", "Enter your email address."),
        ("x" * 250 + "@example.com", "That address is too long."),
        ("someone@mailinator.com", "Disposable email addresses can&#39;t be used"),
        ("someone@sub.mailinator.com", "Disposable email addresses can&#39;t be used"),
        ("someone@GuerrillaMail.com", "Disposable email addresses can&#39;t be used"),
    ],
)
def test_bad_addresses_are_refused(client, email, message):
    data = {"username": "alice", "email": email, "password": PASSWORD}
    response = post(client, "/register", data, token_from="/register")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert users() == 0


def test_disposable_check_can_be_switched_off(app, client):
    app.config["DISPOSABLE_EMAIL_CHECK"] = False
    assert register(client, "alice", "someone@mailinator.com").status_code == 303


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Choose a password."),
        ("x7#kQ2p", "Use at least 8 characters."),
        ("k" * 129, "Use at most 128 characters."),
        ("password", "one of the most common"),
        ("Password1", "one of the most common"),
        ("iloveyou", "one of the most common"),
        ("qwertyuiop", "one of the most common"),
        ("carlos_the_golfer", "can&#39;t be your username"),
        ("carlos.mail@example.com", "can&#39;t be your email address"),
    ],
)
def test_bad_passwords_are_refused(client, password, message):
    response = register(client, "carlos_the_golfer", "carlos.mail@example.com", password=password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert users() == 0


@pytest.mark.parametrize(
    "password", ["x7#kQ2pz", "k" * 128, "correct horse battery staple", "no rules at all"]
)
def test_any_password_of_8_to_128_characters_is_accepted(client, password):
    assert register(client, "alice", password=password).status_code == 303


def test_password_is_not_echoed_back(client):
    response = register(client, "ab", password="my-secret-passphrase")
    assert response.status_code == 422
    assert "my-secret-passphrase" not in response.get_data(as_text=True)


def test_user_text_is_escaped(client):
    response = register(client, "<b>bold</b>", "x@example.com")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<b>bold</b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body


@pytest.mark.parametrize(
    "data",
    [
        {"username": ["a", "b"], "email": "x@example.com", "password": PASSWORD},
        {"email": "x@example.com"},
        {"username": "alice", "email": "x@example.com", "password": PASSWORD, "invite_code": "c" * 500},
        {"username": "\x01\x02", "email": "\x01@example.com", "password": "\x01" * 10},
    ],
)
def test_odd_form_data_gets_422_not_500(client, data):
    from tests.support import csrf

    data = dict(data, csrf_token=csrf(client, "/register"))
    assert client.post("/register", data=data).status_code == 422


def test_nul_characters_are_a_malformed_request(client):
    from tests.support import csrf

    data = {"username": "\x00\x01", "email": "\x00@example.com", "password": "\x00" * 10,
            "csrf_token": csrf(client, "/register")}
    answer = client.post("/register", data=data)
    assert answer.status_code == 400
    assert "make sense" in answer.get_data(as_text=True)


def test_existing_address_gets_the_same_answer_and_the_owner_is_mailed(app, client, mailbox, drain):
    assert register(client, "alice", "alice@example.com").status_code == 303
    drain()
    mailbox.clear()

    fresh, taken = app.test_client(), app.test_client()
    new = register(fresh, "bob", "bob@example.com")
    same = register(taken, "mallory", "ALICE@Example.com")
    assert (same.status_code, same.headers["Location"]) == (new.status_code, new.headers["Location"])
    assert flashes(taken) == flashes(fresh) == [CHECK_INBOX]
    drain()

    [owner_mail] = mailbox.to("alice@example.com")
    assert "tried to create a Fairway account" in owner_mail.body
    assert "http://fairway.test/reset" in owner_mail.body
    assert "/verify/" not in owner_mail.body
    assert db.session.scalar(sa.select(User).where(User.username == "mallory")) is None
    assert users() == 2
    assert len(mailbox.to("bob@example.com")) == 1


def test_existing_address_with_a_taken_username_still_gets_the_same_answer(app, client, mailbox, drain):
    register(client, "alice", "alice@example.com")
    other = app.test_client()
    response = register(other, "alice", "alice@example.com")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    drain()
    assert [m.subject for m in mailbox.to("alice@example.com")] == [
        "Confirm your email for Fairway",
        "Someone tried to sign up with your address",
    ]


def test_verification_link_from_the_mail_verifies(client, mailbox, drain):
    register(client, "alice")
    drain()
    path = link_in(mailbox.to("alice@example.com")[0].body, "verify")
    response = client.get(path)
    assert response.status_code == 302
    assert fetch("alice").email_verified_at is not None
