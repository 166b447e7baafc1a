"""meeting_notes.context: a note is written in the bereik-overleg or on the case page

Revision ID: b1_meeting_note_context
Revises: j1_organisation_active
Create Date: 2026-12-05

JGZ, VE and CJG now also add notes on the case page (issue 13); the case's timeline says where
each was written. Every existing note comes from the bereik-overleg.
"""
import sqlalchemy as sa
from alembic import op

revision = 'b1_meeting_note_context'
down_revision = 'j1_organisation_active'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context', sa.String(length=20), nullable=False, server_default='meeting'))


def downgrade():
    with op.batch_alter_table('meeting_notes', schema=None) as batch_op:
        batch_op.drop_column('context')
