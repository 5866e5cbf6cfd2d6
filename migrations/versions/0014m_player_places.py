"""Nearest players by place on PostgreSQL: ``player_places``, each point players live at (their
zip's point) with how many of them do, kept by a trigger on ``profiles``, and a GiST index on
the places. A million players live at some 40,000 points, hundreds at each in a dense metro;
a KNN walk over the players themselves opens every index page that holds a point near the
origin (pages mix points from across the metro: 19-26 ms for the nearest 1,000 in New York),
while a walk over the places reaches the nearest few, and each place's players come from the
``(latitude, longitude)`` index, which now holds each player's user id and handicap too
(INCLUDE), so a pool reads no player's row (0.6 ms). SQLite: nothing (it keeps the bounding box).

The count rather than bare presence: a place stays in the table when its last player moves
away, and a walk skips the empty ones (``players > 0``), so the nearest N places it reads hold
at least N players. A player who moves updates both places' rows in key order, so two players
swapping places at once cannot deadlock.

Revision ID: 0014m_player_places
Revises: 0014k_knn_search
Create Date: 2026-12-02 18:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014m_player_places"
down_revision = "0014k_knn_search"
branch_labels = None
depends_on = None

COUNT_PLACES = """
CREATE FUNCTION player_places_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' AND NEW.latitude IS NOT NULL AND NEW.longitude IS NOT NULL THEN
        INSERT INTO player_places (latitude, longitude, players)
        VALUES (NEW.latitude, NEW.longitude, 0) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        PERFORM 1 FROM player_places
        WHERE (latitude = OLD.latitude AND longitude = OLD.longitude)
           OR (latitude = NEW.latitude AND longitude = NEW.longitude)
        ORDER BY latitude, longitude FOR UPDATE;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE player_places SET players = players - 1
        WHERE latitude = OLD.latitude AND longitude = OLD.longitude;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE player_places SET players = players + 1
        WHERE latitude = NEW.latitude AND longitude = NEW.longitude;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE player_places (latitude double precision NOT NULL, "
        "longitude double precision NOT NULL, players integer NOT NULL, "
        "CONSTRAINT pk_player_places PRIMARY KEY (latitude, longitude))"
    )
    op.execute("CREATE INDEX ix_player_places_earth ON player_places "
               "USING gist (ll_to_earth(latitude, longitude))")
    op.execute(
        "INSERT INTO player_places (latitude, longitude, players) "
        "SELECT latitude, longitude, count(*) FROM profiles "
        "WHERE latitude IS NOT NULL AND longitude IS NOT NULL GROUP BY latitude, longitude"
    )
    op.execute("DROP INDEX ix_profiles_latitude_longitude")
    op.execute("CREATE INDEX ix_profiles_latitude_longitude ON profiles (latitude, longitude) "
               "INCLUDE (user_id, handicap)")
    op.execute(COUNT_PLACES)
    op.execute("CREATE TRIGGER player_places_on_insert AFTER INSERT ON profiles "
               "FOR EACH ROW EXECUTE FUNCTION player_places_count()")
    op.execute("CREATE TRIGGER player_places_on_delete AFTER DELETE ON profiles "
               "FOR EACH ROW EXECUTE FUNCTION player_places_count()")
    op.execute("CREATE TRIGGER player_places_on_move AFTER UPDATE OF latitude, longitude ON profiles "
               "FOR EACH ROW WHEN (OLD.latitude IS DISTINCT FROM NEW.latitude "
               "OR OLD.longitude IS DISTINCT FROM NEW.longitude) EXECUTE FUNCTION player_places_count()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger in ("player_places_on_insert", "player_places_on_delete", "player_places_on_move"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON profiles")
    op.execute("DROP FUNCTION IF EXISTS player_places_count()")
    op.execute("DROP TABLE IF EXISTS player_places")
    op.execute("DROP INDEX ix_profiles_latitude_longitude")
    op.execute("CREATE INDEX ix_profiles_latitude_longitude ON profiles (latitude, longitude)")
