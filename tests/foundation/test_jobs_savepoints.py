"""Jobs wait for the outermost commit: a SAVEPOINT released or rolled back in between (as the
notification listeners do) neither sends them early nor drops them."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.identity import services as identity
from app.outbox.models import PENDING, SENT, OutboxMail
from tests.support import PASSWORD


def statuses() -> list[str]:
    return list(db.session.scalars(sa.select(OutboxMail.status)))


def test_savepoints_before_the_commit_leave_the_mail_for_after_it(app, mailbox, drain):
    with app.test_request_context():
        identity.register("alice", "alice@example.com", PASSWORD)
        with db.session.begin_nested():  # released: must not send yet
            db.session.execute(sa.text("SELECT 1"))
        savepoint = db.session.begin_nested()
        savepoint.rollback()  # rolled back: must not forget the mail
        assert mailbox.to("alice@example.com") == []
        assert statuses() == [PENDING]
        db.session.commit()
    drain()
    assert len(mailbox.to("alice@example.com")) == 1
    db.session.expire_all()
    assert statuses() == [SENT]


def test_a_rolled_back_transaction_still_drops_its_mail(app, mailbox, drain):
    with app.test_request_context():
        identity.register("alice", "alice@example.com", PASSWORD)
        db.session.rollback()
        db.session.commit()
    drain()
    assert mailbox.messages == []
    assert statuses() == []
