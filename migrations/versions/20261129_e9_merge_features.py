"""merge the feature branches: trust, reminders, monitor, web

Revision ID: e9_merge_features
Revises: a1_trust, b1_reminders, c1_monitor, d1_web
Create Date: 2026-11-29

The four features were built side by side on the referral engine's schema; none touches
another's tables, so the merge itself changes nothing.
"""

revision = 'e9_merge_features'
down_revision = ('a1_trust', 'b1_reminders', 'c1_monitor', 'd1_web')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
