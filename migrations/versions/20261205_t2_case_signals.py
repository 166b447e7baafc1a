"""case_signals: signals from VE and CJG to JGZ (issue 11, point 9)

Revision ID: t2_case_signals
Revises: t1_school_handover
Create Date: 2026-12-05

A VE provider or the CJG signals a child (the registration form and a note) to JGZ: who, when,
the note (free text about a family: encrypted, nullable so the retention job can null it), and
whether and when JGZ assessed it.
"""
import sqlalchemy as sa
from alembic import op

revision = 't2_case_signals'
down_revision = 't1_school_handover'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_signals',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('signalled_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.LargeBinary(), nullable=True),
        sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('assessed_by_user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_signals_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_case_signals_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_signals_user_id_users')),
        sa.ForeignKeyConstraint(['assessed_by_user_id'], ['users.id'],
                                name=op.f('fk_case_signals_assessed_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_signals')),
    )
    op.create_index('ix_case_signals_organisation_at', 'case_signals', ['organisation_id', 'signalled_at'])
    op.create_index('ix_case_signals_case_id', 'case_signals', ['case_id'])


def downgrade():
    op.drop_index('ix_case_signals_case_id', table_name='case_signals')
    op.drop_index('ix_case_signals_organisation_at', table_name='case_signals')
    op.drop_table('case_signals')
