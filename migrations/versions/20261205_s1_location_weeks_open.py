"""The law's dose: weeks a year a VE location is open (issue 11, point 5)

Revision ID: s1_location_weeks_open
Revises: h2_region_figures
Create Date: 2026-12-05

locations.weeks_open (1..52, default 40): the monitor's projected VE hours by age 4 count a
child's hours a week only in the weeks its location is open. Existing locations get 40, the
usual school-year rhythm of VE.
"""
import sqlalchemy as sa
from alembic import op

revision = 's1_location_weeks_open'
down_revision = 'h2_region_figures'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weeks_open', sa.Integer(), nullable=False, server_default='40'))
        batch_op.create_check_constraint(op.f('ck_locations_weeks_open'), 'weeks_open BETWEEN 1 AND 52')


def downgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_locations_weeks_open'), type_='check')
        batch_op.drop_column('weeks_open')
