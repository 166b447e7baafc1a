"""Referral steps: a provider's access to a case can end; a case remembers its last step

Revision ID: f1_referral_steps
Revises: d1_municipality_public_text
Create Date: 2026-12-05

case_locations.access_ends_on: from that day on the location's provider no longer sees the case
(it declined the referral, or the child was placed with another provider). cases.last_trigger:
reminder rules may apply only after a given step (JGZ's reminder to refer again after a
decline). Existing rows: access never ended, last step unknown (no step-specific rule applies).
"""
import sqlalchemy as sa
from alembic import op

revision = 'f1_referral_steps'
down_revision = 'd1_municipality_public_text'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_ends_on', sa.Date(), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_trigger', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('last_trigger')
    with op.batch_alter_table('case_locations', schema=None) as batch_op:
        batch_op.drop_column('access_ends_on')
