"""organisations.active: an organisation can be taken out of use without deleting it

Revision ID: j1_organisation_active
Revises: i1_totp_last_step
Create Date: 2026-11-29

Cases, history and users point at organisations, so one that stops (a provider that closes, a
school that merges) is deactivated instead of deleted; every existing organisation is in use.
"""
import sqlalchemy as sa
from alembic import op

revision = 'j1_organisation_active'
down_revision = 'i1_totp_last_step'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('active')
