"""worklist: cases, notes, payer statuses, decisions, review states

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.String(200), nullable=False, unique=True),
        sa.Column("service_date", sa.Date),
        sa.Column("request_type", sa.String(40)),
        sa.Column("indication", sa.String(40)),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("source", sa.String(400)),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("note_id", sa.String(200), nullable=False),
        sa.Column("note_date", sa.Date),
        sa.Column("kind", sa.String(200)),
        sa.Column("text", sa.Text, nullable=False),
        sa.UniqueConstraint("case_id", "note_id"),
    )
    op.create_table(
        "payer_statuses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("payer", sa.String(40), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("missing", sa.Text, nullable=False),
        sa.UniqueConstraint("case_id", "payer"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("payer", sa.String(40)),
        sa.Column("criterion_id", sa.String(200)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("spans", sa.JSON, nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "review_states",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("review_states", "decisions", "payer_statuses", "notes", "cases"):
        op.drop_table(table)
