"""reminders

Revision ID: b1_reminders
Revises: 64479c54552d
Create Date: 2026-11-29

- reminders: one row per occurrence of a workflow reminder rule for a case, with its due
  time, addressee (organisation and role) and state; wake_at is what the sweep scans. A
  partial unique index keeps one pending occurrence per case and rule.
- meeting_notes: what the bereik-overleg agreed about a child (text encrypted).
- reminder_digests: one row per day the e-mail digest went out.

"""
from alembic import op
import sqlalchemy as sa


revision = 'b1_reminders'
down_revision = '64479c54552d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('stay', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.Date(), nullable=False),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wake_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deliveries', sa.Integer(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('snooze_reason', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("state IN ('pending','open','snoozed','done','cancelled')", name=op.f('ck_reminders_state')),
    sa.CheckConstraint("(state IN ('pending','snoozed')) = (wake_at IS NOT NULL)", name=op.f('ck_reminders_wake_when_waiting')),
    sa.CheckConstraint("state <> 'snoozed' OR snoozed_until IS NOT NULL", name=op.f('ck_reminders_until_when_snoozed')),
    sa.CheckConstraint('occurrence >= 1', name=op.f('ck_reminders_occurrence')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reminders_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_reminders_done_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_reminders_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_wake_at'), ['wake_at'], unique=False)
        batch_op.create_index('ix_reminders_inbox', ['organisation_id', 'role', 'state'], unique=False)
        batch_op.create_index('ix_reminders_one_pending', ['case_id', 'rule'], unique=True,
                              sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))

    op.create_table('meeting_notes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meeting_notes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_meeting_notes_municipality_id_municipalities')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_meeting_notes_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_notes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_notes'))
    )
    with op.batch_alter_table('meeting_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_notes_case_id'), ['case_id'], unique=False)

    op.create_table('reminder_digests',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_reminder_digests'))
    )


def downgrade():
    op.drop_table('reminder_digests')
    with op.batch_alter_table('meeting_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_notes_case_id'))
    op.drop_table('meeting_notes')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_one_pending')
        batch_op.drop_index('ix_reminders_inbox')
        batch_op.drop_index(batch_op.f('ix_reminders_wake_at'))
        batch_op.drop_index(batch_op.f('ix_reminders_case_id'))
    op.drop_table('reminders')
