"""web: session version, name search index, work-list index

Revision ID: d1_web
Revises: 64479c54552d
Create Date: 2026-11-29

- users.session_version: stored in each web session and compared on every request, so
  signing out (or a password reset, or deactivation) ends every session of that user.
- cases.name_index: keyed HMAC of the normalised family name, for search by name within the
  caller's scope without decrypting every case. Cases registered before this revision have
  none and are not found by name (the product had no production data yet).
- ix_cases_state_state_since: the work lists filter on state and order by state_since.

"""
from alembic import op
import sqlalchemy as sa


revision = 'd1_web'
down_revision = '64479c54552d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_index', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_name_index'), ['name_index'], unique=False)
        batch_op.create_index('ix_cases_state_state_since', ['state', 'state_since'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_state_state_since')
        batch_op.drop_index(batch_op.f('ix_cases_name_index'))
        batch_op.drop_column('name_index')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
