"""Nearest-first search on PostgreSQL: the contrib extensions ``cube`` and ``earthdistance`` and
a GiST index on each player's and course's point on the earth, which answers "the nearest N
within R miles" without reading every row in a bounding box. SQLite: nothing (the app keeps the
latitude/longitude bounding box and exact distances in Python there).

CREATE EXTENSION needs a superuser, or (PostgreSQL 13+) a role with CREATE on the database for
trusted extensions; ``cube`` and ``earthdistance`` are not marked trusted, so on a managed
database an administrator creates them once (README, "PostgreSQL extensions"). IF NOT EXISTS
makes this migration pass where they already exist.

Revision ID: 0014k_knn_search
Revises: 0014i_round_thread
Create Date: 2026-12-01 06:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014k_knn_search"
down_revision = "0014i_round_thread"
branch_labels = None
depends_on = None

#: index name → table; the expression is the same for both.
INDEXES = {"ix_profiles_earth": "profiles", "ix_courses_earth": "courses"}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS cube")
    op.execute("CREATE EXTENSION IF NOT EXISTS earthdistance")
    for name, table in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} USING gist (ll_to_earth(latitude, longitude))")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # The extensions stay: other objects may use them, and dropping needs the same rights.
