"""monitor: publications with frozen cells, recode categories and recodings

Revision ID: c1_monitor
Revises: 64479c54552d
Create Date: 2026-11-29

- monitor_publications / monitor_snapshot_cells: a region's monitor at a reference date,
  frozen when an admin publishes it (unsuppressed values; suppression is re-applied on display
  with the threshold stored on the publication).
- monitor_recode_categories / monitor_recodings: the region's recodings of 'other' non-reach
  reports into a workflow reason or a category of its own, keyed by the reporting case event.
- No index on case_events: the monitor scans the recent history sequentially (bench/README.md,
  "Monitor").

"""
from alembic import op
import sqlalchemy as sa


revision = 'c1_monitor'
down_revision = '64479c54552d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monitor_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('peildatum', sa.Date(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_monitor_publications_published_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_monitor_publications_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_publications')),
    sa.UniqueConstraint('region_id', 'peildatum', name=op.f('uq_monitor_publications_region_id'))
    )
    with op.batch_alter_table('monitor_publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitor_publications_region_id'), ['region_id'], unique=False)

    op.create_table('monitor_snapshot_cells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=10), nullable=False),
    sa.Column('row', sa.String(length=10), nullable=False),
    sa.Column('column', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['publication_id'], ['monitor_publications.id'], name=op.f('fk_monitor_snapshot_cells_publication_id_monitor_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_snapshot_cells')),
    sa.UniqueConstraint('publication_id', 'part', 'row', 'column', name=op.f('uq_monitor_snapshot_cells_publication_id'))
    )

    op.create_table('monitor_recode_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.CheckConstraint("code <> 'other' AND code <> 'closed'", name=op.f('ck_monitor_recode_categories_code_not_reserved')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_monitor_recode_categories_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_recode_categories')),
    sa.UniqueConstraint('region_id', 'code', name=op.f('uq_monitor_recode_categories_region_id'))
    )
    with op.batch_alter_table('monitor_recode_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitor_recode_categories_region_id'), ['region_id'], unique=False)

    op.create_table('monitor_recodings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_event_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('recoded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recoded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(reason IS NULL) <> (category_id IS NULL)', name=op.f('ck_monitor_recodings_reason_or_category')),
    sa.ForeignKeyConstraint(['case_event_id'], ['case_events.id'], name=op.f('fk_monitor_recodings_case_event_id_case_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['monitor_recode_categories.id'], name=op.f('fk_monitor_recodings_category_id_monitor_recode_categories')),
    sa.ForeignKeyConstraint(['recoded_by_id'], ['users.id'], name=op.f('fk_monitor_recodings_recoded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_recodings')),
    sa.UniqueConstraint('case_event_id', name=op.f('uq_monitor_recodings_case_event_id'))
    )
    with op.batch_alter_table('monitor_recodings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitor_recodings_category_id'), ['category_id'], unique=False)


def downgrade():
    with op.batch_alter_table('monitor_recodings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitor_recodings_category_id'))
    op.drop_table('monitor_recodings')
    with op.batch_alter_table('monitor_recode_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitor_recode_categories_region_id'))
    op.drop_table('monitor_recode_categories')
    op.drop_table('monitor_snapshot_cells')
    with op.batch_alter_table('monitor_publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitor_publications_region_id'))
    op.drop_table('monitor_publications')
