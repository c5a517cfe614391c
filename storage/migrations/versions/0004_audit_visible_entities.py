"""audit entries name the entity types a read showed unredacted

Revision ID: 0004_audit_visible
Revises: 0003
Create Date: 2026-11-27 09:30:00

Keep migrations dialect-neutral (they run on SQLite and PostgreSQL alike): plain sa types, named
constraints, and batch_alter_table for any ALTER (SQLite rebuilds the table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# A distinct id, not a bare number: another change may add its own 0004 alongside; chain after it then.
revision: str = '0004_audit_visible'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visible_entities', sa.String(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('visible_entities')
