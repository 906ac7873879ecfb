"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-03 16:18:56.303022
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("hub_name", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "admins",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "username"),
    )
    with op.batch_alter_table("admins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admins_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "hubs",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signing_secret_enc", sa.String(), nullable=False),
        sa.Column("previous_secret_enc", sa.String(), nullable=True),
        sa.Column("previous_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "name"),
    )
    with op.batch_alter_table("hubs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hubs_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "admin_tokens",
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("admin_id", sa.String(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["admins.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("admin_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admin_tokens_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "connectivity",
        sa.Column("hub_id", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("password_enc", sa.String(), nullable=True),
        sa.Column("headers_enc", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("hub_id"),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("hub_id", sa.String(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("api_key_enc", sa.String(), nullable=False),
        sa.Column("api_key_digest", sa.String(), nullable=False),
        sa.Column("api_password_hash", sa.String(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hub_id"),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credentials_client_id"), ["client_id"], unique=True
        )

    op.create_table(
        "destinations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("hub_id", sa.String(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("password_enc", sa.String(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hub_id", "event_type"),
    )
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_destinations_hub_id"), ["hub_id"], unique=False
        )

    op.create_table(
        "client_tokens",
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("credential_id", sa.String(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credentials.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("digest"),
    )


def downgrade() -> None:
    op.drop_table("client_tokens")
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_destinations_hub_id"))

    op.drop_table("destinations")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_client_id"))

    op.drop_table("credentials")
    op.drop_table("connectivity")
    with op.batch_alter_table("admin_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_tokens_account_id"))

    op.drop_table("admin_tokens")
    with op.batch_alter_table("hubs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_account_id"))

    op.drop_table("hubs")
    with op.batch_alter_table("admins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admins_account_id"))

    op.drop_table("admins")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_account_id"))

    op.drop_table("audit_log")
    op.drop_table("accounts")
