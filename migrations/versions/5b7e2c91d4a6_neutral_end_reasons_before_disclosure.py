"""neutral end reasons before disclosure

Matches declined or withdrawn before the names were disclosed used to show
the words of whoever ended them, which the other side's staff could read.
Each such reason is copied to the audit trail, where only administrators
read it, and the match is left with a neutral one.

Revision ID: 5b7e2c91d4a6
Revises: 323a9415a38e
Create Date: 2026-12-10 10:00:00.000000

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

import plp.db


# revision identifiers, used by Alembic.
revision = '5b7e2c91d4a6'
down_revision = '323a9415a38e'
branch_labels = None
depends_on = None

# As the matching service says them at this revision.
NEUTRAL = {
    'declined': 'Declined before the names were disclosed.',
    'withdrawn': 'Withdrawn before the names were disclosed.',
}
REFUSAL_REASON = 'Consent to disclosure was not given.'

matches = sa.table(
    'matches',
    sa.column('id', sa.Integer),
    sa.column('state', sa.String),
    sa.column('disclosed_at', plp.db.UTCDateTime(timezone=True)),
    sa.column('end_reason', sa.Text),
)
audit_events = sa.table(
    'audit_events',
    sa.column('occurred_at', plp.db.UTCDateTime(timezone=True)),
    sa.column('actor_id', sa.Integer),
    sa.column('entity_type', sa.String),
    sa.column('entity_id', sa.Integer),
    sa.column('action', sa.String),
    sa.column('from_state', sa.String),
    sa.column('to_state', sa.String),
    sa.column('note', sa.Text),
)


def upgrade():
    connection = op.get_bind()
    ended_early = connection.execute(
        sa.select(matches.c.id, matches.c.state, matches.c.end_reason).where(
            matches.c.state.in_(list(NEUTRAL)),
            matches.c.disclosed_at.is_(None),
            matches.c.end_reason.is_not(None),
            matches.c.end_reason.not_in([*NEUTRAL.values(), REFUSAL_REASON]),
        )
    ).all()
    now = datetime.now(UTC)

    for match_id, state, reason in ended_early:
        connection.execute(
            audit_events.insert().values(
                occurred_at=now,
                actor_id=None,
                entity_type='Match',
                entity_id=match_id,
                action='end reason kept to the trail',
                from_state=state,
                to_state=state,
                note=f'Ended before disclosure: {reason}',
            )
        )
        connection.execute(
            matches.update()
            .where(matches.c.id == match_id)
            .values(end_reason=NEUTRAL[state])
        )


def downgrade():
    # The words are in the audit trail; the matches keep their neutral reasons.
    pass
