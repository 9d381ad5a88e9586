"""The kiosk's sync client: push the outbox in seq order, then pull the site's changes.

``requests.Session`` with connect/read timeouts and TLS verification on. One
:meth:`SyncClient.sync_once` is one round: it raises :class:`Offline` when the
server cannot be reached (the scheduler backs off) and :class:`NotEnrolled` on
401 (the scheduler stops and the kiosk asks for enrolment).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.queries import names_of
from kiosk.store.base import utcnow
from kiosk.store.models import OutboxEntry, SyncState
from sync import protocol
from sync.messages import plain_message
from sync.outbox import PENDING, prune_journal, state_of, to_wire
from sync.recovery import RecoveryPlan, apply_plan, journal_entries, make_plan, waiting_entries
from sync.replica import Replica
from sync.restore import Diverged, ServerRestore, bind
from sync.restore import ServerLost as ServerLost  # importable from here, as ever

log = logging.getLogger(__name__)

API = "/api/v1"
#: Seconds between two prunings of the journal (answered commands kept to send again).
PRUNE_EVERY = 3600.0
#: (connect, read) seconds: a dead network fails fast, a slow big page still arrives.
TIMEOUT = (3.05, 30.0)


class Offline(Exception):
    """The server could not be reached or did not answer usefully; try again later."""


class NotEnrolled(Exception):
    """The server does not accept this kiosk's token (401): enrol again."""


@dataclass(frozen=True)
class SyncReport:
    pushed: int
    pulled: int
    waiting: int
    refused: int
    server_time: datetime | None
    at: datetime


class SyncClient:
    def __init__(
        self,
        engine: Engine,
        base_url: str,
        token: str,
        device_id: str,
        *,
        verify: bool | str = True,
        timeout: tuple[float, float] = TIMEOUT,
        batch: int = protocol.MAX_PUSH_BATCH,
        page: int = protocol.PULL_PAGE,
        http: requests.Session | None = None,
    ) -> None:
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.timeout = timeout
        self.batch = batch
        self.page = page
        self.http = http or requests.Session()
        #: Passed with every request: a session's own ``verify`` loses to REQUESTS_CA_BUNDLE.
        self.verify = verify
        self.http.verify = verify
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.http.headers["User-Agent"] = "shopfloor-kiosk-sync/1"
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.replica = Replica(engine, device_id)
        self._offset = 0.0
        self._prune_due = 0.0
        #: Notices a server restored from a backup; counts what was sent to it again.
        self.restore = ServerRestore(self._sessions)

    def close(self) -> None:
        self.http.close()

    @property
    def restored_resends(self) -> int:
        """Acknowledged commands sent again to a server restored from a backup."""
        return self.restore.resends

    # ------------------------------------------------------------------ HTTP
    def _report_headers(self) -> dict[str, str]:
        """Said on every push and pull, for ``GET /devices`` and ``/metrics``: how many
        commands wait in the outbox, and this kiosk's clock (the server works out drift)."""
        return {
            "X-Kiosk-Outbox": str(counts(self._sessions)[0]),
            "X-Kiosk-Clock": utcnow().isoformat(),
        }

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            answer = self.http.request(
                method,
                self.base_url + API + path,
                timeout=self.timeout,
                verify=self.verify,
                headers=self._report_headers(),
                **kwargs,
            )
        except requests.exceptions.SSLError as err:
            raise Offline(untrusted(self.base_url, err)) from err
        except requests.RequestException as err:
            raise Offline(f"{type(err).__name__}: {err}") from err
        except OSError as err:  # requests' word for a CA bundle it cannot read
            raise Offline(f"The CA bundle {self.verify} cannot be used: {err}") from err
        if answer.status_code == 401:
            raise NotEnrolled(answer.text)
        if answer.status_code >= 500:
            raise Offline(f"server answered {answer.status_code}")
        return answer

    def reachable(self) -> bool:
        """Does the server answer at all (its health check, with short timeouts)?"""
        try:
            answer = self.http.get(
                self.base_url + "/healthz", timeout=(1.0, 2.0), verify=self.verify
            )
        except requests.RequestException:
            return False
        return answer.status_code == 200

    def last_sync(self) -> tuple[datetime | None, datetime | None]:
        """(last full sync, last attempt) as the store remembers them across restarts."""
        with self._sessions() as session:
            state = session.get(SyncState, 1)
            if state is None:
                return None, None
            return state.last_sync_at, state.last_attempt_at

    def _note_time(self, server_time: datetime) -> None:
        self._offset = (server_time - utcnow()).total_seconds()

    # ------------------------------------------------------------------ push
    def push(self, start_at: int | None = None) -> int:
        """Send every pending command in seq order (from local seq ``start_at`` on, answered
        or not, when given); returns how many were answered."""
        answered = 0
        batch = self.batch
        resending = False  # acknowledged commands again, to a restored server
        while True:
            with self._sessions() as session:
                base = state_of(session).seq_base
                query = select(OutboxEntry).order_by(OutboxEntry.seq).limit(batch)
                if start_at is None:
                    query = query.where(OutboxEntry.status == PENDING)
                else:
                    query = query.where(OutboxEntry.seq >= start_at)
                entries = session.scalars(query).all()
                acked = state_of(session).acked_seq
            if start_at is not None and start_at <= acked:
                self.restore.resending(start_at, acked, entries, announce=not resending)
                resending = True
            if not entries:
                return answered
            body = protocol.to_json(
                protocol.PushRequest(self.device_id, [to_wire(e, base) for e in entries])
            )
            answer = self._call("POST", "/sync/push", json=body)
            if answer.status_code == 413 and batch > 1:
                batch = max(1, batch // 2)
                continue
            if answer.status_code == 409:
                problem = answer.json()
                if problem.get("code") == "expected_seq":
                    start_at = int(problem["expected"]) + base
                    continue
                if problem.get("code") == "client_diverged":
                    raise Diverged(problem.get("detail", ""))
            if answer.status_code != 200:
                raise Offline(f"push answered {answer.status_code}: {answer.text[:200]}")
            response = protocol.push_response(answer.json())
            self._note_time(response.server_time)
            self._record(response)
            answered += len(response.results)
            if len(entries) < batch:
                return answered
            # Sending from a seq on: go on in order from the next one; else the next pending.
            start_at = entries[-1].seq + 1 if start_at is not None else None

    def _record(self, response: protocol.PushResponse) -> None:
        by_id = {r.id: r for r in response.results}
        with self._sessions() as session, session.begin():
            entries = session.scalars(
                select(OutboxEntry).where(OutboxEntry.command_id.in_(list(by_id)))
            ).all()
            now = utcnow()
            names = _names_in(session, response.results)
            for entry in entries:
                result = by_id[entry.command_id]
                if entry.status != PENDING and entry.status == result.status:
                    continue
                # Pending, or sent again to a restored server that now answers otherwise.
                entry.status = result.status
                entry.code = result.code
                entry.detail = result.detail or ""
                entry.message = plain_message(entry.type, dict(entry.payload or {}), result, names)
                entry.answered_at = now
                entry.seen_at = None
            state = state_of(session)
            state.acked_seq = max(state.acked_seq, response.last_seq + state.seq_base)
            state.clock_offset = self._offset

    # ------------------------------------------------------------------ pull
    def pull(self) -> int:
        """Pull pages until caught up; each page and its cursor commit together."""
        applied = 0
        while True:
            with self._sessions() as session:
                state = session.get(SyncState, 1)
                cursor = state.cursor if state is not None else None
            params: dict[str, Any] = {"limit": self.page}
            if cursor:
                params["cursor"] = cursor
            answer = self._call("GET", "/sync/pull", params=params)
            if answer.status_code == 422 and cursor:
                # A cursor the server no longer understands (its history was pruned
                # past it, or the server was restored): start over with a snapshot.
                # The outbox is not touched; pending actions are replayed on top.
                if _problem_code(answer) == "too_far_behind":
                    log.info("away longer than the server keeps history: taking a snapshot")
                self._set_cursor(None)
                continue
            if answer.status_code != 200:
                raise Offline(f"pull answered {answer.status_code}: {answer.text[:200]}")
            page = protocol.pull_response(answer.json())
            self._note_time(page.server_time)
            self.restore.server_seq = page.last_seq
            applied += self.replica.apply(page, server_offset=self._offset)
            self.restore.fresh_snapshot = self.restore.fresh_snapshot or page.reset
            if not page.more:
                return applied

    def _set_cursor(self, cursor: str | None) -> None:
        with self._sessions() as session, session.begin():
            state_of(session).cursor = cursor

    # ------------------------------------------------------------------ recovery
    def known(self, command_ids: list[str]) -> dict[str, protocol.KnownCommand]:
        """Which of these commands the server holds, by id, with its results."""
        found: dict[str, protocol.KnownCommand] = {}
        for start in range(0, len(command_ids), 1000):
            body = protocol.to_json(protocol.KnownRequest(command_ids[start : start + 1000]))
            answer = self._call("POST", "/sync/known", json=body)
            if answer.status_code != 200:
                raise Offline(f"known answered {answer.status_code}: {answer.text[:200]}")
            for raw in answer.json()["known"]:
                item = protocol.KnownCommand(**raw)
                found[item.id] = item
        return found

    def recovery_plan(self) -> RecoveryPlan:
        with self._sessions() as session:
            ids = [e.command_id for e in waiting_entries(session) + journal_entries(session)]
        known = self.known(ids)
        with self._sessions() as session:
            return make_plan(session, self.device_id, known)

    def recover(self, plan: RecoveryPlan) -> None:
        """Carry out a plan a supervisor confirmed (database work only: no network)."""
        with self._sessions() as session, session.begin():
            apply_plan(session, plan)

    # ------------------------------------------------------------------ round
    def sync_once(self) -> SyncReport:
        bind(self._sessions, self.device_id, self.recovery_plan)
        self.restore.fresh_snapshot = False
        try:
            pushed = self.push()
            pulled = self.pull()
            behind = self.restore.behind()
            if behind is not None:  # nothing was waiting, so only the pull could tell
                pushed += self.push(start_at=behind)
                pulled += self.pull()
        except Offline as err:
            self._remember(error=str(err))
            raise
        self._remember(error="")
        if time.monotonic() >= self._prune_due:
            with self._sessions() as session, session.begin():
                prune_journal(session, utcnow())
            self._prune_due = time.monotonic() + PRUNE_EVERY
        waiting, refused = counts(self._sessions)
        return SyncReport(pushed, pulled, waiting, refused, None, utcnow())

    def _remember(self, *, error: str) -> None:
        with self._sessions() as session, session.begin():
            state = state_of(session)
            now = utcnow()
            state.last_attempt_at = now
            state.last_error = error
            if not error:
                state.last_sync_at = now


def untrusted(server: str, err: Exception) -> str:
    """What to do when the server's TLS certificate is not trusted, in one line."""
    text = str(err)
    reason = "TLS handshake failed"
    for known in ("certificate verify failed", "hostname mismatch", "certificate has expired"):
        if known in text:
            reason = known
    return (
        f"The TLS certificate of {server} is not trusted ({reason}): enrol with "
        "--ca-bundle naming the plant's CA certificate."
    )


def _names_in(session: Session, results: list[protocol.PushResult]) -> dict[str, str]:
    """The names of the people the server says changed a work order (for the message)."""
    changed_by = [r.work_order.changed_by or "" for r in results if r.work_order is not None]
    badges = {by.removeprefix("badge:") for by in changed_by if by.startswith("badge:")}
    with session.no_autoflush:
        return names_of(session, set(badges))


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """(commands waiting for the server, refused commands nobody has seen yet)."""
    with sessions() as session:
        waiting = session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == PENDING)
        )
        refused = session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.status.in_(("refused", "flagged")), OutboxEntry.seen_at.is_(None))
        )
    return int(waiting or 0), int(refused or 0)


def _problem_code(answer: requests.Response) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None
