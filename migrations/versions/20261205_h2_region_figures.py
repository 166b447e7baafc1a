"""Yearly figures with history, dated region memberships and region targets (issue 12, points 1-3)

Revision ID: h2_region_figures
Revises: f1_referral_steps
Create Date: 2026-12-05

municipality_figures gains the toddlers aged 2.5-4 and the VE places (the all-toddler target) and
who changed it last; every change is kept in municipality_figures_changes. A municipality joins or
leaves a region from a date (region_memberships); a municipality without any membership row is a
member of its municipalities.region_id from the start, so existing installs need no data step.
Regions set their targets per period (region_targets); without one the monitor keeps the fixed
100% line.
"""
import sqlalchemy as sa
from alembic import op

revision = 'h2_region_figures'
down_revision = 'f1_referral_steps'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipality_figures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('toddlers', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ve_places', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_municipality_figures_updated_by_id_users', 'users', ['updated_by_id'], ['id'],
                                    ondelete='SET NULL')
    op.create_table(
        'municipality_figures_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('figures_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['figures_id'], ['municipality_figures.id'], name=op.f('fk_municipality_figures_changes_figures_id_municipality_figures'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_municipality_figures_changes_changed_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality_figures_changes')),
    )
    op.create_index('ix_municipality_figures_changes_figures_id', 'municipality_figures_changes', ['figures_id'])
    op.create_table(
        'region_memberships',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.CheckConstraint('valid_until IS NULL OR valid_until >= valid_from', name=op.f('ck_region_memberships_period')),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_region_memberships_municipality_id_municipalities')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_memberships_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_region_memberships')),
        sa.UniqueConstraint('municipality_id', 'valid_from', name=op.f('uq_region_memberships_municipality_id')),
    )
    op.create_index('ix_region_memberships_municipality_id', 'region_memberships', ['municipality_id'])
    op.create_index('ix_region_memberships_region_id', 'region_memberships', ['region_id'])
    op.create_table(
        'region_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('pct', sa.Numeric(5, 1), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('target_group_placed','all_toddlers')", name=op.f('ck_region_targets_kind')),
        sa.CheckConstraint('valid_until IS NULL OR valid_until >= valid_from', name=op.f('ck_region_targets_period')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_targets_region_id_regions')),
        sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_region_targets_set_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_region_targets')),
        sa.UniqueConstraint('region_id', 'kind', 'valid_from', name=op.f('uq_region_targets_region_id')),
    )
    op.create_index('ix_region_targets_region_id', 'region_targets', ['region_id'])


def downgrade():
    op.drop_index('ix_region_targets_region_id', table_name='region_targets')
    op.drop_table('region_targets')
    op.drop_index('ix_region_memberships_region_id', table_name='region_memberships')
    op.drop_index('ix_region_memberships_municipality_id', table_name='region_memberships')
    op.drop_table('region_memberships')
    op.drop_index('ix_municipality_figures_changes_figures_id', table_name='municipality_figures_changes')
    op.drop_table('municipality_figures_changes')
    with op.batch_alter_table('municipality_figures', schema=None) as batch_op:
        batch_op.drop_constraint('fk_municipality_figures_updated_by_id_users', type_='foreignkey')
        batch_op.drop_column('updated_by_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('ve_places')
        batch_op.drop_column('toddlers')
