"""audit events found by action

The dashboards leave out the moments an import stamped on matches; they look
for the few import events among all of a School's audit events, which
without an index means reading the whole trail on every view.

Revision ID: 822688edcfe9
Revises: f682a90d147f
Create Date: 2026-12-04 17:47:19.708358

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '822688edcfe9'
down_revision = 'f682a90d147f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_audit_events_action', 'audit_events', ['action'], unique=False
    )


def downgrade():
    op.drop_index('ix_audit_events_action', table_name='audit_events')
