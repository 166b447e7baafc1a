"""Bereik-overleg as meetings: meetings, their organisations and agreed actions (issue 11.8)

Revision ID: s4_meetings
Revises: s3_contact_attempts
Create Date: 2026-12-05

The CJG opens a meeting of a municipality on a day with the organisations that take part; for
each child discussed the meeting records an action (encrypted text), an owner organisation and
a due day, delivered as a reminder to the owner (reminder_id). New tables only: existing
bereik-overleg notes stay as they are.
"""
import sqlalchemy as sa
from alembic import op

revision = 's4_meetings'
down_revision = 's3_contact_attempts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'meetings',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_meetings_municipality_id_municipalities')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meetings_created_by_id_users')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_meetings_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    )
    op.create_index('ix_meetings_municipality_id', 'meetings', ['municipality_id'])
    op.create_table(
        'meeting_organisations',
        sa.Column('meeting_id', sa.Uuid(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_organisations_meeting_id_meetings'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_meeting_organisations_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('meeting_id', 'organisation_id', name=op.f('pk_meeting_organisations')),
    )
    op.create_table(
        'meeting_actions',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('meeting_id', sa.Uuid(), nullable=False),
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('reminder_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.LargeBinary(), nullable=False),
        sa.CheckConstraint('(done_at IS NULL) = (done_by_id IS NULL)', name=op.f('ck_meeting_actions_done_by_when_done')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_actions_meeting_id_meetings'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meeting_actions_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['organisations.id'], name=op.f('fk_meeting_actions_owner_id_organisations')),
        sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_meeting_actions_reminder_id_reminders'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_actions_created_by_id_users')),
        sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_meeting_actions_done_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_actions')),
    )
    op.create_index('ix_meeting_actions_meeting_id', 'meeting_actions', ['meeting_id'])
    op.create_index('ix_meeting_actions_case_id', 'meeting_actions', ['case_id'])
    op.create_index('ix_meeting_actions_reminder_id', 'meeting_actions', ['reminder_id'])


def downgrade():
    op.drop_index('ix_meeting_actions_reminder_id', table_name='meeting_actions')
    op.drop_index('ix_meeting_actions_case_id', table_name='meeting_actions')
    op.drop_index('ix_meeting_actions_meeting_id', table_name='meeting_actions')
    op.drop_table('meeting_actions')
    op.drop_table('meeting_organisations')
    op.drop_index('ix_meetings_municipality_id', table_name='meetings')
    op.drop_table('meetings')
