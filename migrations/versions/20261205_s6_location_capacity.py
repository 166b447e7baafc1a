"""Capacity per location: VE places, opening days, setting, VE programme (issue 12, point 4)

Revision ID: s6_location_capacity
Revises: s4_meetings
Create Date: 2026-12-05

Each location gets its VE places (NULL: not entered), the weekdays it is open, its setting
(peuteropvang, kinderdagverblijf) and VE programme, and who changed them last and when. The
monitor reads the places per municipality; the public VE page shows each location free or full.
"""
import sqlalchemy as sa
from alembic import op

revision = 's6_location_capacity'
down_revision = 's4_meetings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ve_places', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opening_days', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('setting', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('ve_programme', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('capacity_updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('capacity_updated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_locations_capacity_updated_by_id_users', 'users', ['capacity_updated_by_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_locations_capacity_updated_by_id_users', type_='foreignkey')
        batch_op.drop_column('capacity_updated_by_id')
        batch_op.drop_column('capacity_updated_at')
        batch_op.drop_column('ve_programme')
        batch_op.drop_column('setting')
        batch_op.drop_column('opening_days')
        batch_op.drop_column('ve_places')
