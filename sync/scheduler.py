"""When the kiosk syncs: an APScheduler job in its own thread, reporting through callbacks.

Every few seconds while online; after a failure, exponential backoff with full
jitter up to a few minutes (retried without waiting for a new local action); at
once (debounced) after a local command, or when anyone asks (``retry_now``). While
offline a cheap reachability probe runs every couple of seconds, and the moment the
server answers it a full round runs: a kiosk is back within seconds of the network,
not at the end of a three-minute backoff. ``max_instances=1`` and ``coalesce``
keep two rounds from ever running together. The callbacks are plain functions
called on the scheduler's thread: the UI turns them into Qt signals with a
queued connection and never touches a widget from here.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from kiosk.store.base import utcnow
from sync.client import Diverged, NotEnrolled, Offline, SyncReport
from sync.recovery import NeedsRecovery, RecoveryPlan

log = logging.getLogger(__name__)

JOB_ID = "kiosk-sync"
#: What the kiosk shows once the server refuses its token.
REVOKED = "This kiosk was revoked — a supervisor must enrol it again."


class _SkippedTick(logging.Filter):
    """A tick that finds the previous round still running is skipped by design
    (``max_instances=1``); APScheduler would warn about each one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_SkippedTick())


@dataclass(frozen=True)
class SyncState:
    """What the kiosk shows about sync. ``online`` None: never tried yet."""

    online: bool | None
    last_sync: datetime | None
    last_reached: datetime | None
    waiting: int
    unseen_answers: int
    error: str = ""
    enrolled: bool = True
    #: A restored store under a new enrolment: a supervisor confirms this plan first.
    recovery: RecoveryPlan | None = None


class SyncScheduler:
    def __init__(
        self,
        run: Callable[[], SyncReport],
        on_state: Callable[[SyncState], None],
        *,
        waiting: Callable[[], tuple[int, int]] = lambda: (0, 0),
        interval: float = 5.0,
        min_backoff: float = 2.0,
        max_backoff: float = 180.0,
        debounce: float = 0.3,
        tick: float = 0.5,
        rng: random.Random | None = None,
        probe: Callable[[], bool] | None = None,
        probe_interval: float = 2.0,
        initial: Callable[[], SyncState] | None = None,
    ) -> None:
        """``probe``: is the server reachable at all (cheap; called while offline).
        ``initial``: what is known before the first round (the store's last sync), told
        at once so a restarted kiosk never shows "synced —"."""
        self._run = run
        self._on_state = on_state
        self._waiting = waiting
        self._probe = probe
        self.probe_interval = probe_interval
        self._next_probe = 0.0
        self._initial = initial
        self.interval = interval
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.debounce = debounce
        self._tick = tick
        self._rng = rng or random.Random()
        self._failures = 0
        self._due = 0.0  # monotonic time of the next round
        self._lock = threading.Lock()
        self._stopped = False
        self.rounds = 0
        self.state = SyncState(None, None, None, 0, 0)
        self._scheduler = BackgroundScheduler(daemon=True)

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        self._scheduler.add_job(
            self._maybe_run,
            "interval",
            seconds=self._tick,
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now().astimezone(),
        )
        self._scheduler.start()

    def kick(self) -> None:
        """A local command was queued: sync soon (debounced), even while backing off."""
        with self._lock:
            self._due = min(self._due, time.monotonic() + self.debounce)

    def retry_now(self) -> None:
        """Someone at the kiosk asked: try the server now, whatever the backoff says."""
        with self._lock:
            self._due = time.monotonic()

    def stop(self) -> None:
        """Stop cleanly: no new round starts; a running one is waited for."""
        self._stopped = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    # ------------------------------------------------------------------ rounds
    def delay_after_failure(self, failures: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^n)], never below the floor."""
        cap = min(self.max_backoff, self.min_backoff * 2 ** max(failures - 1, 0))
        return max(self.min_backoff / 2, self._rng.uniform(0, cap))

    def _maybe_run(self) -> None:
        if self._initial is not None:
            initial, self._initial = self._initial, None
            self._tell_initial(initial)
        with self._lock:
            now = time.monotonic()
            if self._stopped:
                return
            if now < self._due:
                probing = self._failures > 0 and self._probe is not None and now >= self._next_probe
                if not probing:
                    return
                self._next_probe = now + self.probe_interval
            else:
                probing = False
            if not probing:
                self._due = float("inf")  # kicks during the round bring it forward again
        if probing:
            if not self._reachable():
                return
            with self._lock:
                self._due = float("inf")
        self.run_now()

    def _reachable(self) -> bool:
        try:
            return bool(self._probe and self._probe())
        except Exception:
            return False

    def _tell_initial(self, initial: Callable[[], SyncState]) -> None:
        try:
            self.state = initial()
        except Exception:
            log.exception("could not read the last sync from the store")
            return
        try:
            self._on_state(self.state)
        except Exception:
            log.exception("sync state callback failed")

    def run_now(self) -> SyncState:
        """One round on the calling thread (the job, or a test)."""
        self.rounds += 1
        error, online, enrolled = "", True, True
        recovery: RecoveryPlan | None = None
        try:
            self._run()
            self._failures = 0
            delay = self.interval
        except NotEnrolled:
            online, enrolled, error = True, False, REVOKED
            delay = float("inf")  # stop until someone enrols it again (sync_link watches)
            if self.state.enrolled:  # once per refusal, not once per round
                log.warning(
                    "the server refused this kiosk's token (revoked or unknown): sync stopped "
                    "until a supervisor enrols it again; %d actions wait in the outbox, kept",
                    self._safe_waiting()[0],
                )
        except Diverged as err:
            online, error = True, f"The server does not recognise this kiosk's history: {err}"
            delay = float("inf")
        except NeedsRecovery as err:
            online, error, recovery = True, err.plan.summary, err.plan
            delay = float("inf")  # until a supervisor confirms (then retry_now)
        except Offline as err:
            self._failures += 1
            online, error = False, str(err)
            delay = self.delay_after_failure(self._failures)
        except Exception as err:  # a bug must not kill the job: log it, back off, retry
            log.exception("sync round failed")
            self._failures += 1
            online, error = False, f"{type(err).__name__}: {err}"
            delay = self.delay_after_failure(self._failures)
        with self._lock:
            self._due = min(self._due, time.monotonic() + delay)
        now = utcnow()
        waiting, unseen = self._safe_waiting()
        previous = self.state
        self.state = SyncState(
            online=online,
            last_sync=now if not error else previous.last_sync,
            last_reached=now if online else previous.last_reached,
            waiting=waiting,
            unseen_answers=unseen,
            error=error,
            enrolled=enrolled,
            recovery=recovery,
        )
        try:
            self._on_state(self.state)
        except Exception:
            log.exception("sync state callback failed")
        return self.state

    def _safe_waiting(self) -> tuple[int, int]:
        try:
            return self._waiting()
        except Exception:
            log.exception("could not count waiting actions")
            return self.state.waiting, self.state.unseen_answers

    @property
    def next_in(self) -> timedelta:
        with self._lock:
            left = self._due - time.monotonic()
        return timedelta(seconds=max(0.0, left if left != float("inf") else 0.0))
