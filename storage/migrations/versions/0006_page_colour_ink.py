"""pages keep the blob of their coloured-ink mask (a colour scan's stamps and pens)

Revision ID: 0006_page_colour_ink
Revises: 0005_timing_cpu
Create Date: 2026-11-28 15:30:00

Keep migrations dialect-neutral (they run on SQLite and PostgreSQL alike): plain sa types, named
constraints, and batch_alter_table for any ALTER (SQLite rebuilds the table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_page_colour_ink'
down_revision: str | Sequence[str] | None = '0005_timing_cpu'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: a gray page has none, and pages taken in before this revision are read by grey alone.
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('colour_ink_blob', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('colour_ink_blob')
