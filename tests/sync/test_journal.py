"""The kiosk's journal: answered commands are kept 14 days to give a restored server back
what it lost, then forgotten; what waits, and refusals nobody has seen, stay."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.base import utcnow
from kiosk.store.engine import make_engine
from kiosk.store.models import OutboxEntry
from sync.outbox import JOURNAL_DAYS, PENDING, next_seq, prune_journal, state_of


def test_the_journal_forgets_answers_after_14_days_but_never_what_waits_or_is_unseen(
    kiosk_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "kiosk.db"
    shutil.copy(kiosk_template, path)
    engine = make_engine(f"sqlite:///{path}")
    now = utcnow()
    old, recent = now - timedelta(days=JOURNAL_DAYS + 1), now - timedelta(days=JOURNAL_DAYS - 1)
    rows = [  # seq, status, answered, seen
        (1, "applied", old, None),
        (2, "refused", old, None),  # nobody saw it yet: kept
        (3, "refused", old, now),
        (4, "applied", recent, None),
        (5, "flagged", old, now),
        (6, "applied", old, None),
        (7, PENDING, None, None),
    ]
    try:
        with Session(engine) as session, session.begin():
            for seq, status, answered, seen in rows:
                session.add(
                    OutboxEntry(
                        seq=seq,
                        command_id=f"00000000-0000-0000-0000-{seq:012d}",
                        type="log_output",
                        at=now,
                        actor={},
                        payload={},
                        status=status,
                        detail="",
                        message="",
                        answered_at=answered,
                        seen_at=seen,
                    )
                )
            state_of(session).acked_seq = 6
        with Session(engine) as session, session.begin():
            assert prune_journal(session, now) == 4
        with Session(engine) as session:
            kept = session.scalars(select(OutboxEntry.seq).order_by(OutboxEntry.seq)).all()
            assert next_seq(session) == 8  # the next action still follows the last acknowledged
    finally:
        engine.dispose()
    assert kept == [2, 4, 7]
