"""stage timings record the thread CPU time of each step next to its wall time

Revision ID: 0005_timing_cpu
Revises: 0004_audit_visible
Create Date: 2026-11-27 10:00:00

Keep migrations dialect-neutral (they run on SQLite and PostgreSQL alike): plain sa types, named
constraints, and batch_alter_table for any ALTER (SQLite rebuilds the table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Chained after the audit change that took 0004 meanwhile; a distinct id for the same reason as its.
revision: str = '0005_timing_cpu'
down_revision: str | Sequence[str] | None = '0004_audit_visible'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: timings recorded before this revision have no CPU time, and are not guessed.
    with op.batch_alter_table('stage_timings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cpu_seconds', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stage_timings', schema=None) as batch_op:
        batch_op.drop_column('cpu_seconds')
