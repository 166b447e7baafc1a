"""case_events.birth_month: each history row carries the child's birth month

Revision ID: g1_event_birth_month
Revises: f1_chain_in_database
Create Date: 2026-11-29

The monitor needs the birth month (kept in clear on the case: the day of birth stays encrypted)
for each child's age at the reference date. Joining a million cases to their four million
history rows for that one column doubled the monitor's time; copied onto each row when it is
written, the monitor reads the history alone. It tells nothing the case row does not already
tell, and it never changes: the birth month is set once, at registration.
"""
from alembic import op
import sqlalchemy as sa

revision = 'g1_event_birth_month'
down_revision = 'f1_chain_in_database'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_month', sa.Date(), nullable=True))
    op.execute("UPDATE case_events SET birth_month = "
               "(SELECT cases.birth_month FROM cases WHERE cases.id = case_events.case_id)")
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.alter_column('birth_month', existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_column('birth_month')
