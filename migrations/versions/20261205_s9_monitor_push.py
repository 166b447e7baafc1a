"""Push targets of a region and their deliveries (issue 12, point 7)

Revision ID: s9_monitor_push
Revises: s6_location_capacity
Create Date: 2026-12-05

A region's published monitor goes to a directory or an HTTPS endpoint, signed with the target's
HMAC key (stored encrypted). One delivery row per publication and target, retried with backoff.
"""
import sqlalchemy as sa
from alembic import op

revision = 's9_monitor_push'
down_revision = 's6_location_capacity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'push_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('destination', sa.String(length=500), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('owed_from', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('secret', sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("kind IN ('directory','https')", name=op.f('ck_push_targets_kind')),
        sa.CheckConstraint("format IN ('csv','xlsx','json')", name=op.f('ck_push_targets_format')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_push_targets_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_targets')),
    )
    op.create_index('ix_push_targets_region_id', 'push_targets', ['region_id'])
    op.create_table(
        'push_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('publication_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=200), nullable=True),
        sa.CheckConstraint("state IN ('pending','sent','failed')", name=op.f('ck_push_deliveries_state')),
        sa.CheckConstraint("(state = 'pending') = (next_attempt_at IS NOT NULL)",
                           name=op.f('ck_push_deliveries_next_when_pending')),
        sa.ForeignKeyConstraint(['target_id'], ['push_targets.id'], name=op.f('fk_push_deliveries_target_id_push_targets'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['publication_id'], ['monitor_publications.id'],
                                name=op.f('fk_push_deliveries_publication_id_monitor_publications'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_deliveries')),
        sa.UniqueConstraint('target_id', 'publication_id', name=op.f('uq_push_deliveries_target_id')),
    )
    op.create_index('ix_push_deliveries_target_id', 'push_deliveries', ['target_id'])
    op.create_index('ix_push_deliveries_next_attempt_at', 'push_deliveries', ['next_attempt_at'])


def downgrade():
    op.drop_index('ix_push_deliveries_next_attempt_at', table_name='push_deliveries')
    op.drop_index('ix_push_deliveries_target_id', table_name='push_deliveries')
    op.drop_table('push_deliveries')
    op.drop_index('ix_push_targets_region_id', table_name='push_targets')
    op.drop_table('push_targets')
