"""officers' redaction box changes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 05:40:00

Keep migrations dialect-neutral (they run on SQLite and PostgreSQL alike): plain sa types, named
constraints, and batch_alter_table for any ALTER (SQLite rebuilds the table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('redaction_changes',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('document_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('page_index', sa.Integer(), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('x0', sa.Integer(), nullable=False),
    sa.Column('y0', sa.Integer(), nullable=False),
    sa.Column('x1', sa.Integer(), nullable=False),
    sa.Column('y1', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.CheckConstraint("action IN ('add', 'remove')", name=op.f('ck_redaction_changes_action_valid')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_redaction_changes_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redaction_changes'))
    )
    with op.batch_alter_table('redaction_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redaction_changes_document_id'), ['document_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('redaction_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redaction_changes_document_id'))
    op.drop_table('redaction_changes')
