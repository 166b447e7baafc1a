"""case_name_tokens: blind-index tokens of family-name parts and their prefixes

Revision ID: c1_case_name_tokens
Revises: b1_meeting_note_context
Create Date: 2026-12-05

Search by part of a family name ("Berg" finds "van den Berg-Jansen") without names in clear:
one row per keyed HMAC of a normalised name part or a prefix of 3+ letters of one. The tokens
need the blind-index key, which a migration does not hold: after upgrading, run
``flask keys reindex`` to fill the table for the cases registered before; until then those cases
are found by their full family name only (cases.name_index), as before.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c1_case_name_tokens'
down_revision = 'b1_meeting_note_context'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_name_tokens',
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_name_tokens_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', 'token', name=op.f('pk_case_name_tokens')),
    )
    with op.batch_alter_table('case_name_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_name_tokens_token'), ['token'], unique=False)


def downgrade():
    with op.batch_alter_table('case_name_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_name_tokens_token'))
    op.drop_table('case_name_tokens')
