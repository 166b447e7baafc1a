"""municipalities: the public text parents read on /ve/<code> (what VE is here, how to apply, the JGZ contact)

Revision ID: d1_municipality_public_text
Revises: c1_case_name_tokens
Create Date: 2026-12-05

The public page showed the target-group criteria (wording for professionals) and no way to apply
or to reach the JGZ; the functional administrator now enters the words parents read. Empty for
every existing municipality: the page then says the general text it said before.
"""
import sqlalchemy as sa
from alembic import op

revision = 'd1_municipality_public_text'
down_revision = 'c1_case_name_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_intro', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('public_apply', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('public_contact', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.drop_column('public_contact')
        batch_op.drop_column('public_apply')
        batch_op.drop_column('public_intro')
