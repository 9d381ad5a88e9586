"""a change feed per site: one site's writers no longer queue on another's

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 18:00:00

Each site's feed counts on from the one counter there was, so every kiosk's cursor
stays valid. A row every site sees (site_id NULL) is put into each site's feed: the
row itself goes to one site (so a cursor that names it still finds it) and a copy
to every other, with the same txn; a kiosk of another site whose cursor is at that
row is handed the row once more, which changes nothing.
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feed_counter',
        sa.Column('site_id', sa.String(length=36), nullable=False),
        sa.Column('txn', sa.BigInteger(), nullable=False),
        sa.Column('pruned', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('site_id', name=op.f('pk_feed_counter')),
    )
    op.execute(
        "INSERT INTO feed_counter (site_id, txn, pruned) SELECT site.id, "
        "COALESCE((SELECT value FROM counter WHERE name = 'change_feed'), 0), "
        "COALESCE((SELECT value FROM counter WHERE name = 'change_feed_pruned'), 0) "
        "FROM site"
    )
    op.execute(
        "INSERT INTO change_log (txn, site_id, entity, key, at) "
        "SELECT c.txn, s.id, c.entity, c.key, c.at FROM change_log c, site s "
        "WHERE c.site_id IS NULL AND s.id <> (SELECT MIN(id) FROM site)"
    )
    op.execute(
        "UPDATE change_log SET site_id = (SELECT MIN(id) FROM site) WHERE site_id IS NULL"
    )
    op.execute("DELETE FROM change_log WHERE site_id IS NULL")  # no site at all
    # The old counters stay where they were, unused from now on (a downgrade sets them).
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_txn_id')
        batch_op.create_index('ix_change_log_site_txn_id', ['site_id', 'txn', 'id'], unique=False)


def downgrade() -> None:
    # Site feeds cannot be merged back into one commit order: the old feed starts
    # above every site's, empty, so every kiosk is too far behind and takes a snapshot.
    op.execute("DELETE FROM counter WHERE name IN ('change_feed', 'change_feed_pruned')")
    for name in ('change_feed', 'change_feed_pruned'):
        op.execute(
            f"INSERT INTO counter (name, value) SELECT '{name}', "
            "COALESCE(MAX(txn), 0) + 1 FROM feed_counter"
        )
    op.execute("DELETE FROM change_log")
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_site_txn_id')
        batch_op.create_index('ix_change_log_txn_id', ['txn', 'id'], unique=False)
    op.drop_table('feed_counter')
