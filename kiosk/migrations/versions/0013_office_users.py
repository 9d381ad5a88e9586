"""office users: people who sign in to the office console, their sessions, failed sign-ins

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 22:10:00

Server records only: no kiosk receives these tables.
"""

from alembic import op
import sqlalchemy as sa

from kiosk.store.types import UtcDateTime


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'office_user',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('username', sa.String(length=100), nullable=False),
        sa.Column('username_key', sa.String(length=100), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('last_login_at', UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office_user')),
        sa.UniqueConstraint('username_key', name=op.f('uq_office_user_username_key')),
    )
    op.create_table(
        'office_session',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('last_seen_at', UtcDateTime(), nullable=False),
        sa.Column('ended_at', UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['office_user.id'], name=op.f('fk_office_session_user_id_office_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_office_session_token_hash')),
    )
    op.create_index(
        op.f('ix_office_session_user_id'), 'office_session', ['user_id'], unique=False
    )
    op.create_table(
        'login_throttle',
        sa.Column('username_key', sa.String(length=100), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', UtcDateTime(), nullable=True),
        sa.Column('locked_until', UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('username_key', name=op.f('pk_login_throttle')),
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
    op.drop_index(op.f('ix_office_session_user_id'), table_name='office_session')
    op.drop_table('office_session')
    op.drop_table('office_user')
