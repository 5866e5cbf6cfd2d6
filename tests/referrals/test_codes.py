"""Code formats: one normalization, an alphabet without look-alikes, hashid referral codes that
are checked on decode, CSPRNG invite codes, and spelling variants that resolve the same."""

from __future__ import annotations

import secrets
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.referrals import codes, services
from app.referrals.codes import ALPHABET, INVITE_LENGTH, REFERRAL_MIN_LENGTH, normalize_code
from app.referrals.models import ReferralCode

LOOK_ALIKES = set("0O1IL")


def test_alphabet_has_no_look_alikes():
    assert not LOOK_ALIKES & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET)
    assert INVITE_LENGTH >= 6 and REFERRAL_MIN_LENGTH >= 6


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ab cd-23", "ABCD23"),
        ("ABCD23", "ABCD23"),
        ("  abcd23\n", "ABCD23"),
        ("a-b-c-d-2-3", "ABCD23"),
        ("a b\tc d 2 3", "ABCD23"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_code(raw, expected):
    assert normalize_code(raw) == expected


def test_normalize_bounds_its_input():
    assert len(normalize_code("A" * 10_000)) == codes.MAX_INPUT


def test_invite_codes_use_the_alphabet_at_a_fixed_length():
    minted = [codes.new_invite_code() for _ in range(2000)]
    assert all(len(code) == INVITE_LENGTH and set(code) <= set(ALPHABET) for code in minted)
    assert len(set(minted)) == len(minted)
    counts = Counter("".join(minted))
    # 20,000 draws over 31 symbols: each expected ~645; a biased draw would stand out.
    assert min(counts.values()) > 500 and max(counts.values()) < 800
    assert set(counts) == set(ALPHABET)


def test_referral_codes_are_longer_than_invites_so_kinds_never_collide(app, make_user):
    user = make_user("ann")
    code = services.current_code(user)
    assert len(code) >= REFERRAL_MIN_LENGTH > INVITE_LENGTH
    assert set(code) <= set(ALPHABET)
    assert not codes.looks_like_invite(code)


def test_decode_checks_the_nonce_stored_on_the_row(app, make_user):
    user = make_user("ann")
    row = services.assign_code(user)
    db.session.commit()
    assert codes.decode_referral(row.code) == (row.id, row.nonce)
    forged = codes.encode_referral(row.id, (row.nonce + 1) % 2**codes.NONCE_BITS)
    assert services.resolve(forged).valid is False
    assert services.resolve(row.code).referrer.username == "ann"


def test_random_guesses_find_nothing(app, make_user):
    for name in ("ann", "bob", "cat"):
        services.assign_code(make_user(name))
    db.session.commit()
    for _ in range(2000):
        guess = codes.encode_referral(secrets.randbelow(5) + 1, secrets.randbits(codes.NONCE_BITS))
        assert services.resolve(guess).valid is False
    for _ in range(2000):
        guess = "".join(secrets.choice(ALPHABET) for _ in range(13))
        assert services.resolve(guess).valid is False


def test_codes_naming_impossible_rows_find_nothing(app):
    """Random 13-character strings sometimes decode to a row id past the column's range; found
    by the test above as a 500 on PostgreSQL ("integer out of range")."""
    for row_id, nonce in ((codes.MAX_ROW_ID + 1, 5), (2**62, 5), (1, 2**codes.NONCE_BITS), (0, 5)):
        guess = codes.encode_referral(row_id, nonce)
        assert codes.decode_referral(guess) is None
        assert services.resolve(guess).valid is False
        assert services.link_target(guess).code_id is None


def test_secret_key_salts_the_codes(app):
    first = codes.encode_referral(1, 12345)
    secret = app.config["SECRET_KEY"]
    app.extensions.pop("fairway.referral_hashids")
    app.config["SECRET_KEY"] = "another-secret"
    try:
        assert codes.encode_referral(1, 12345) != first
    finally:
        app.config["SECRET_KEY"] = secret
        app.extensions.pop("fairway.referral_hashids")
    assert codes.encode_referral(1, 12345) == first


def spelling_variants(code: str):
    """Any mix of case, hyphens and spaces around and between the characters."""
    separators = st.sampled_from(["", "", "-", " ", "  ", "--", " - "])
    cases = st.lists(st.booleans(), min_size=len(code), max_size=len(code))
    gaps = st.lists(separators, min_size=len(code) + 1, max_size=len(code) + 1)

    def spell(parts):
        lowers, seps = parts
        return seps[0] + "".join(
            (ch.lower() if lower else ch) + sep for ch, lower, sep in zip(code, lowers, seps[1:], strict=True)
        )

    return st.tuples(cases, gaps).map(spell)


@pytest.fixture
def known_codes(app, make_user):
    referral = services.current_code(make_user("ann"))
    (invite,) = services.mint_invites(uses=3)
    db.session.commit()
    return referral, invite.code


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_spelling_of_a_code_resolves_the_same(known_codes, data):
    referral, invite = known_codes
    variant = data.draw(spelling_variants(referral))
    found = services.resolve(variant)
    assert (found.code, found.kind, found.referrer.username) == (referral, "referral", "ann")
    variant = data.draw(spelling_variants(invite))
    found = services.resolve(variant)
    assert (found.code, found.kind) == (invite, "invite")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_resolver_answers_any_spelling_the_same(known_codes, client, data):
    referral, _ = known_codes
    variant = data.draw(spelling_variants(referral))
    answer = client.get("/api/referral/resolve", query_string={"code": variant})
    assert answer.status_code == 200
    assert answer.json == {"code": referral, "valid": True, "kind": "referral", "referrer": "ann"}


def test_old_codes_are_rows_not_rewrites(app, make_user):
    user = make_user("ann")
    first = services.current_code(user)
    services.rotate_code(user)
    db.session.commit()
    assert db.session.query(ReferralCode).filter_by(user_id=user.id).count() == 2
    assert services.resolve(first).referrer.username == "ann"
