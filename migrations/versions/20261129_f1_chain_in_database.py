"""access log: PostgreSQL links the hash chain itself, in a trigger on insert

Revision ID: f1_chain_in_database
Revises: e9_merge_features
Create Date: 2026-11-29

Before, every commit made two round trips for its log rows: SELECT access_log_lock_head()
(chain lock, head hash), then the INSERT with hashes computed in Python. Now the INSERT alone:
a BEFORE INSERT trigger takes the same transaction-scoped advisory lock, gives the row its id
only then (so ids still follow the chain order when transactions interleave), reads the head
in a statement of its own (it sees what the previous lock holder committed) and computes
exactly what ``toeleiding.audit.models.chain_hash`` computes, which ``flask audit verify``
checks. It also means a row inserted behind the application's back is chained like any other.
SQLite keeps linking the chain in Python under a process lock.
"""
from alembic import op

revision = 'f1_chain_in_database'
down_revision = 'e9_merge_features'
branch_labels = None
depends_on = None

# The payload of chain_hash: prev_hash, then the fields joined by '|', NULL as ''; times in UTC
# with microseconds and a Z; booleans as Python prints them.
CHAIN_FUNCTION = """
CREATE FUNCTION access_log_chain() RETURNS trigger AS $$
DECLARE
    head text;
BEGIN
    PERFORM pg_advisory_xact_lock(7513);
    NEW.id := nextval(pg_get_serial_sequence('access_log', 'id'));
    SELECT hash INTO head FROM access_log ORDER BY id DESC LIMIT 1;
    NEW.prev_hash := coalesce(head, repeat('0', 64));
    NEW.hash := encode(sha256(convert_to(concat_ws('|',
        NEW.prev_hash,
        coalesce(to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), ''),
        coalesce(NEW.user_id::text, ''),
        coalesce(NEW.role, ''),
        coalesce(NEW.organisation_id::text, ''),
        coalesce(NEW.on_behalf_of, ''),
        CASE WHEN NEW.emergency IS NULL THEN '' WHEN NEW.emergency THEN 'True' ELSE 'False' END,
        coalesce(NEW.case_id::text, ''),
        coalesce(NEW.action, ''),
        coalesce(NEW.result, ''),
        coalesce(NEW.client, ''),
        coalesce(NEW.ip, '')), 'UTF8')), 'hex');
    RETURN NEW;
END $$ LANGUAGE plpgsql VOLATILE
-- PL/pgSQL keeps a session's plan of the head look-up. Planned while the table is still small (a
-- fresh database), that would be a scan of the whole log, kept as the log grows: every insert
-- would read every row. The backward scan of the primary key is right at every size.
SET enable_seqscan = off"""

LOCK_HEAD_FUNCTION = """
CREATE FUNCTION access_log_lock_head() RETURNS text AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7513);
    RETURN (SELECT hash FROM access_log ORDER BY id DESC LIMIT 1);
END $$ LANGUAGE plpgsql VOLATILE"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(CHAIN_FUNCTION)
    op.execute("CREATE TRIGGER access_log_chain BEFORE INSERT ON access_log "
               "FOR EACH ROW EXECUTE FUNCTION access_log_chain()")
    op.execute("DROP FUNCTION access_log_lock_head()")
    # The trigger is the only source of ids (the sequence stays owned by the column): with the
    # column default as well, every row would use up two numbers.
    op.execute("ALTER TABLE access_log ALTER COLUMN id DROP DEFAULT")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(LOCK_HEAD_FUNCTION)
    op.execute("ALTER TABLE access_log ALTER COLUMN id SET DEFAULT nextval(pg_get_serial_sequence('access_log', 'id'))")
    op.execute("DROP TRIGGER access_log_chain ON access_log")
    op.execute("DROP FUNCTION access_log_chain()")
