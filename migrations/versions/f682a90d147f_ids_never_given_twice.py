"""ids never given twice

On SQLite a table whose id is a plain INTEGER PRIMARY KEY hands out the
highest id again once its row is deleted, and the audit trail, which names
records by id, would show the deleted record's history as the new one's.
Each table is rebuilt with AUTOINCREMENT, keeping its rows, indexes and
constraints. PostgreSQL's sequences never go back, so it is left alone.

The rebuild drops each old table; migrations/env.py turns SQLite's foreign
keys off while migrating, so that no row pointing at it is deleted or refused.

Revision ID: f682a90d147f
Revises: e68df7dcb1e9
Create Date: 2026-12-12 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f682a90d147f'
down_revision = 'e68df7dcb1e9'
branch_labels = None
depends_on = None

# Every table at this revision.
TABLES = (
    'clients',
    'exchange_rates',
    'matching_weights',
    'mentors',
    'seminars',
    'users',
    'audit_events',
    'programmes',
    'budgets',
    'check_ins',
    'funding_applications',
    'learning_agendas',
    'needs_assessments',
    'seminar_interests',
    'budget_lines',
    'needs',
    'agenda_items',
    'budget_revisions',
    'expenses',
    'seminar_enrolments',
    'shortlists',
    'matches',
    'progress_updates',
    'shortlist_candidates',
    'agreements',
    'consents',
    'mentoring_sessions',
)


def rebuild_every_table(never_reuse_ids):
    """Rebuild each table on SQLite, with or without AUTOINCREMENT."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(
            table,
            recreate='always',
            table_kwargs={'sqlite_autoincrement': never_reuse_ids},
        ):
            pass


def upgrade():
    rebuild_every_table(True)


def downgrade():
    rebuild_every_table(False)
