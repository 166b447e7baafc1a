"""contact_attempts: the outreach log of a case (issue 11, point 7)

Revision ID: s3_contact_attempts
Revises: s1_location_weeks_open
Create Date: 2026-12-05

JGZ, VE and CJG record each try to reach a family (date, method, interpreter, outcome); the
outcome is free text about the family, so it is encrypted (nullable: the retention job nulls it).
"""
import sqlalchemy as sa
from alembic import op

revision = 's3_contact_attempts'
down_revision = 's1_location_weeks_open'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contact_attempts',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('attempt_date', sa.Date(), nullable=False),
        sa.Column('method', sa.String(length=40), nullable=False),
        sa.Column('interpreter', sa.Boolean(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_contact_attempts_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_attempts_user_id_users')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_contact_attempts_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_attempts')),
    )
    op.create_index('ix_contact_attempts_case_date', 'contact_attempts', ['case_id', 'attempt_date'])


def downgrade():
    op.drop_index('ix_contact_attempts_case_date', table_name='contact_attempts')
    op.drop_table('contact_attempts')
