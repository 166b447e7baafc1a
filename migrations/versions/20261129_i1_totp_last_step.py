"""users: the time-step of the last second-factor code accepted, so no code is used twice

Revision ID: i1_totp_last_step
Revises: h1_audit_truncate
Create Date: 2026-11-29

A TOTP code stays valid for its 30-second step and one step either side; without remembering
the last step used, the same code signed in again for up to a minute and a half.
"""
import sqlalchemy as sa
from alembic import op

revision = 'i1_totp_last_step'
down_revision = 'h1_audit_truncate'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
