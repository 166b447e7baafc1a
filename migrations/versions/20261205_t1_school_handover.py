"""School users for the warm handover with content (issue 11, point 6)

Revision ID: t1_school_handover
Revises: s9_monitor_push
Create Date: 2026-12-05

A primary school's staff sign in with the role ``school`` to read the handovers made to their
school and confirm receipt; the users' role CHECK (the database's copy of the workflow file's
roles) gains it. The handover's content itself is workflow data in the case events: no columns.
"""
from alembic import op

revision = 't1_school_handover'
down_revision = 's9_monitor_push'
branch_labels = None
depends_on = None

OLD = "role IN ('jgz','ve','cjg','gemeente','admin')"
NEW = "role IN ('jgz','ve','cjg','gemeente','admin','school')"


def _replace_role_check(condition: str) -> None:
    with op.batch_alter_table('users') as batch_op:   # SQLite: the table is rebuilt; PostgreSQL: ALTER
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_role'), condition)


def upgrade():
    _replace_role_check(NEW)


def downgrade():
    # School users cannot exist under the old CHECK: they go with it (their sign-in rows cascade
    # with the users' own foreign keys; events they recorded keep the database from dropping them).
    op.execute("DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE role = 'school')")
    op.execute("DELETE FROM users WHERE role = 'school'")
    _replace_role_check(OLD)
