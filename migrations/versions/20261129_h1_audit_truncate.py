"""access log: TRUNCATE is refused on PostgreSQL, like UPDATE and DELETE

Revision ID: h1_audit_truncate
Revises: g1_event_birth_month
Create Date: 2026-11-29

The row triggers of the first migration refuse UPDATE and DELETE, but TRUNCATE fires no row
triggers: one statement could empty the whole log. A statement-level BEFORE TRUNCATE trigger
closes that. Only the table's owner can disable it, which is why production runs the
application as a role that does not own the table (see the README, "Audit log").
SQLite has no TRUNCATE (its DELETE without WHERE still fires the row trigger), so nothing to do.
"""
from alembic import op

revision = 'h1_audit_truncate'
down_revision = 'g1_event_birth_month'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION access_log_no_truncate() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'access_log is append-only (TRUNCATE refused)';
        END $$ LANGUAGE plpgsql""")
    op.execute("CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
               "FOR EACH STATEMENT EXECUTE FUNCTION access_log_no_truncate()")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER access_log_no_truncate ON access_log")
    op.execute("DROP FUNCTION access_log_no_truncate()")
