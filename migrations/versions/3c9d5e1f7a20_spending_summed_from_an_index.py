"""spending summed from an index

The spending dashboards sum every expense per programme and per budget line;
an index holding the programme, the budget line and the amount answers those
sums without reading the expenses, and serves look-ups by programme as the
index it replaces did.

Revision ID: 3c9d5e1f7a20
Revises: 822688edcfe9
Create Date: 2026-12-04 18:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3c9d5e1f7a20'
down_revision = '822688edcfe9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_expenses_programme_line_amount',
        'expenses',
        ['programme_id', 'budget_line_id', 'amount'],
        unique=False,
    )
    op.drop_index('ix_expenses_programme_id', table_name='expenses')


def downgrade():
    op.create_index(
        'ix_expenses_programme_id', 'expenses', ['programme_id'], unique=False
    )
    op.drop_index('ix_expenses_programme_line_amount', table_name='expenses')
