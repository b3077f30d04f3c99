"""The sync agent: APScheduler 3 jobs that move queued work to MOSIP when the device is online.

Jobs: connectivity probe, outbox drain (also right away on the offline→online edge and on
"sync now"), WebSub (re)subscription (`sync.hub_subscription`) — or, with confirmations through
the relay, a relay poll after every drain and on schedule while anything awaits confirmation
(`sync.confirmations`) —, auth-token refresh, scheduled backups (`sync.backups`). Each job runs at
most once at a time; drains run on one drainer thread, so a scheduled drain and "sync now" never
overlap and a request made during a drain gets a pass of its own.
Runs inside the desktop app (status through `SyncStatusHub`) or headless (`crvs-field sync`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from apscheduler.schedulers.background import BackgroundScheduler

from app.backup_history import BackupProgress
from app.config.loader import LoadedCountry
from app.errors import ConfigurationFault, Unavailable
from app.messages import Notice
from app.mosip.packets import PacketClient
from app.mosip.settings import MosipSettings
from app.mosip.websub import IssuedCredential
from app.opencrvs_outcomes import UpstreamOutcomes
from app.outbox import Backoff, OutboxLedger
from app.records import RecordService
from app.store.models import utcnow
from app.sync_status import BackupStatus, SyncStatusHub
from app.vocabulary import OutboxState
from sync.backups import BackupSchedule
from sync.confirmations import PollSummary, RelayConfirmations
from sync.connectivity import Connectivity
from sync.credentials import CredentialReader, apply_credential
from sync.hub_subscription import HubSubscription
from sync.opencrvs_status import StatusPoll, UpstreamFollower
from sync.websub_receiver import WebSubReceiver
from sync.worker import DrainSummary, OutboxWorker

log = logging.getLogger("crvs_field.sync.agent")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


@dataclass(frozen=True)
class OnceReport:
    """What one `run_once` did: offline (nothing sent, `queued` stays), or a drain's summary
    (None when another drain was already running)."""

    online: bool
    queued: int
    summary: DrainSummary | None = None
    callback_error: str | None = None   # why the WebSub callback could not listen (confirmations wait)
    confirmations: PollSummary | None = None   # the last relay poll (relay mode, when it answered)
    confirmations_alert: Notice | None = None  # the relay refused this device: an admin must act
    upstream: StatusPoll | None = None         # the last OpenCRVS status poll (deployment mode opencrvs)
    upstream_alert: Notice | None = None       # OpenCRVS refused this device's system client


class SyncAgent:
    def __init__(self, records: RecordService, country: LoadedCountry, settings: MosipSettings,
                 hub: SyncStatusHub | None = None, *, websub: bool = True, data_dir: Path | None = None):
        self.records = records
        self.country = country
        self.settings = settings
        self.hub = hub or SyncStatusHub()
        sync_cfg = country.config.sync
        self.ledger = OutboxLedger(records.db)
        self.worker = OutboxWorker(records, self.ledger, settings, max_concurrency=sync_cfg.max_concurrency,
                                   max_attempts=sync_cfg.max_attempts,
                                   backoff=Backoff(sync_cfg.backoff_base_seconds, sync_cfg.backoff_max_seconds),
                                   lease_seconds=sync_cfg.lease_seconds,
                                   on_progress=self._progress)
        self.delivery = self.worker.outcomes  # what MOSIP answers is written there, with its record change
        self.subscription = HubSubscription(settings.websub, schedule_retry=self._schedule_resubscribe,
                                            on_alert=lambda notice: self._publish(alert=notice))
        # with the relay, the relay subscribes: this device neither listens for the hub nor talks to it;
        # in deployment mode opencrvs (no WebSub settings) OpenCRVS core hears the hub, not this device
        self.confirmations = RelayConfirmations(
            settings.relay, CredentialReader(settings.websub, self.subscription.token), self.delivery,
            on_records=self._records_confirmed) if settings.relay is not None and settings.websub else None
        hub = settings.websub if websub and self.confirmations is None else None
        # deployment mode opencrvs: the records' fate in OpenCRVS core, asked of its search
        self.upstream = UpstreamFollower(settings.opencrvs, UpstreamOutcomes.of(records),
                                         self.worker.opencrvs_tokens) if settings.opencrvs is not None else None
        origins = {_origin(settings.ida.base_url)}
        for extra in (settings.packets, settings.opencrvs):
            if extra is not None:
                origins.add(_origin(extra.base_url))
        if hub is not None:
            origins.add(_origin(hub.hub_url))
        self.connectivity = Connectivity(origins)
        self.receiver = WebSubReceiver(hub, self._credential_issued, self._delivery_rejected,
                                       token_source=self.subscription.token,
                                       on_retry_needed=self.subscription.delivery_refused,
                                       on_denied=self.subscription.denied) if hub is not None else None
        self.confirmations_alert: Notice | None = None
        self.last_poll: PollSummary | None = None
        self._drain_lock = threading.Lock()
        # drain requests (the schedule, the online edge, "Sync now") wake one drainer thread; one
        # asked while a drain runs gets a pass of its own after it instead of being dropped
        self._drain_wanted = threading.Event()
        self._stopping = threading.Event()
        self._drainer: threading.Thread | None = None
        # scheduled backups (country `backup:`); the key slots beside the database go into each one
        self.backups = BackupSchedule(records.db, data_dir or Path(records.db.path).parent, country.config.backup,
                                      relay=settings.relay) if country.config.backup.destinations else None
        self.backup_check_seconds = 300
        self._scheduler: BackgroundScheduler | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._scheduler is not None:
            return
        if self.receiver is not None:
            self.receiver.start()
        cfg = self.country.config.sync
        scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1,
                                                      "misfire_grace_time": 30})
        now = dt.datetime.now(dt.UTC)
        scheduler.add_job(self.probe, "interval", seconds=cfg.probe_every_seconds, id="probe", next_run_time=now)
        scheduler.add_job(self.request_drain, "interval", seconds=cfg.drain_every_seconds, id="drain")
        if self.receiver is not None and self.settings.websub is not None:
            scheduler.add_job(self.resubscribe, "interval", id="websub",
                              seconds=max(60, self.settings.websub.lease_seconds // 2))
        if self.settings.packets is not None:
            scheduler.add_job(self.refresh_token, "interval", minutes=20, id="token")
        if self.upstream is not None and self.settings.opencrvs is not None:
            scheduler.add_job(self.poll_upstream_if_online, "interval", id="opencrvs-status",
                              seconds=self.settings.opencrvs.poll_every_seconds)
        if self.confirmations is not None:
            scheduler.add_job(self.poll_if_awaiting, "interval", id="confirmations",
                              seconds=self.country.config.mosip.confirmations.poll_every_seconds)
        if self.backups is not None:
            scheduler.add_job(self.backup_if_due, "interval", seconds=self.backup_check_seconds, id="backup",
                              next_run_time=now + dt.timedelta(seconds=min(30, self.backup_check_seconds)))
        self._stopping.clear()
        self._drainer = threading.Thread(target=self._drain_when_asked, name="sync-drainer", daemon=True)
        self._drainer.start()
        scheduler.start()
        self._scheduler = scheduler
        self._publish(running=False, backup=self.backups.status() if self.backups is not None else None)

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        if self._drainer is not None:
            self._stopping.set()
            self._drainer.join()     # a drain in progress finishes its item, as the scheduler's jobs do
            self._drainer = None
        if self.receiver is not None:
            self.receiver.stop()
        if self.confirmations is not None:
            self.confirmations.close()

    def sync_now(self) -> None:
        """Ask for a drain as soon as possible (UI button). Asked while one runs, another pass
        follows it, so what was queued meanwhile is not left for the next scheduled drain."""
        self.request_drain()

    def request_drain(self) -> None:
        if self._drainer is not None:
            self._drain_wanted.set()
        else:
            threading.Thread(target=self.drain_if_online, name="sync-now", daemon=True).start()

    def _drain_when_asked(self) -> None:
        """The drainer thread: a drain runs apart from the probe job, so a long one (days of
        backlog) does not make the scheduler skip the probes that would see the line drop."""
        while not self._stopping.is_set():
            if self._drain_wanted.wait(0.2):
                self._drain_wanted.clear()   # before the pass: a request during it wakes us again
                if not self._stopping.is_set():
                    self.drain_if_online()

    def run_once(self, *, linger: float = 0.0, probes: int = 3) -> OnceReport:
        """One headless pass (`crvs-field sync --once`): listen for confirmations, probe, subscribe,
        drain, then keep listening up to `linger` seconds while records still await one. One probe
        can meet a dropped connection on a poor line, so it tries `probes` times before calling the
        device offline."""
        callback_error = self._start_receiver()
        try:
            for attempt in range(probes):
                if self.connectivity.probe_once():
                    self.connectivity.observe(True)
                    break
                time.sleep(0.5 * (attempt + 1))
            if not self.connectivity.online:
                return OnceReport(online=False, queued=self.queued(), callback_error=callback_error)
            self.resubscribe()
            summary = self.drain(force_upstream_poll=True)     # polls the relay and OpenCRVS too
            deadline = time.monotonic() + max(0.0, linger)
            next_poll = time.monotonic() + 1.0
            while time.monotonic() < deadline and self.records.awaiting_confirmation():
                if self.confirmations is not None and time.monotonic() >= next_poll \
                        and self.confirmations_alert is None:
                    self.poll_confirmations()
                    next_poll = time.monotonic() + 1.0
                time.sleep(0.2)
            return OnceReport(online=True, queued=self.queued(), summary=summary, callback_error=callback_error,
                              confirmations=self.last_poll, confirmations_alert=self.confirmations_alert,
                              upstream=self.upstream.last if self.upstream else None,
                              upstream_alert=self.upstream.alert if self.upstream else None)
        finally:
            if self.receiver is not None:
                self.receiver.stop()

    def _start_receiver(self) -> str | None:
        """Start the WebSub callback; on a port that cannot be bound, go on without it."""
        if self.receiver is None:
            return None
        try:
            self.receiver.start()
        except OSError as exc:
            log.warning("WebSub callback not started: %s", exc.strerror)
            self.receiver = None
            return exc.strerror or type(exc).__name__
        return None

    def queued(self) -> int:
        """Outbox items still to send (pending or in flight)."""
        counts = self.ledger.counts()
        return counts[OutboxState.PENDING] + counts[OutboxState.IN_FLIGHT]

    # ------------------------------------------------------------------ jobs

    def probe(self) -> None:
        edge = self.connectivity.observe(self.connectivity.probe_once())
        self._publish()
        if edge is True:
            log.info("MOSIP reachable: draining")
            self.resubscribe()
            self.request_drain()
        elif edge is False:
            log.info("MOSIP unreachable: work stays queued")
            self.subscription.subscribed = False

    def drain_if_online(self) -> DrainSummary | None:
        if not self.connectivity.online:
            return None
        return self.drain()

    def drain(self, *, force_upstream_poll: bool = False) -> DrainSummary | None:
        if not self._drain_lock.acquire(blocking=False):
            return None  # one drain at a time
        try:
            counts = self.ledger.counts()
            self._publish(running=True, done=0, total=counts[OutboxState.PENDING] + counts[OutboxState.IN_FLIGHT])
            summary = asyncio.run(self.worker.drain())
            log.info("drain: %s", ", ".join(f"{k} {v}" for k, v in summary.as_dict().items() if v))
            self.poll_confirmations()
            upstream_changed: set[str] = set()
            if self.upstream is not None and (force_upstream_poll or summary.sent or self.upstream.due()):
                upstream_changed = self.upstream.poll()
            changes: dict[str, object] = {"running": False, "alert": summary.alert or self.subscription.alert
                                          or self.confirmations_alert or (self.upstream and self.upstream.alert),
                                          "changed_records": tuple(sorted(summary.records | upstream_changed))}
            if summary.alert is None and summary.sent:
                changes["last_success"] = utcnow()
            if summary.alert:
                changes["last_error"] = summary.alert
            self._publish(**changes)
            return summary
        except Exception as exc:  # the agent keeps running; the next drain tries again
            log.exception("drain failed")
            self._publish(running=False, last_error=Notice(
                "sync.failed", f"the last sync attempt failed ({type(exc).__name__})", {"error": type(exc).__name__}))
            return None
        finally:
            self._drain_lock.release()

    def poll_upstream_if_online(self) -> None:
        """The scheduled OpenCRVS status poll (deployment mode opencrvs)."""
        if self.connectivity.online and self.upstream is not None:
            changed = self.upstream.poll()
            changes: dict[str, object] = {"changed_records": tuple(sorted(changed))} if changed else {}
            if self.upstream.alert is not None:
                changes["alert"] = self.upstream.alert
            if changes:
                self._publish(**changes)

    # ------------------------------------------------------------------ confirmations (relay)

    def poll_if_awaiting(self) -> PollSummary | None:
        """The scheduled poll: only while online and something awaits confirmation."""
        if not self.connectivity.online or not self.records.awaiting_confirmation():
            return None
        return self.poll_confirmations()

    def poll_confirmations(self) -> PollSummary | None:
        """Ask the relay once; None in direct mode or when the relay cannot be reached. A refused
        credential becomes a sticky alert until a poll succeeds."""
        if self.confirmations is None:
            return None
        try:
            summary = self.confirmations.poll()
        except ConfigurationFault as exc:
            log.warning("relay: %s", exc)
            self.confirmations_alert = Notice.of(exc)
            self._publish(alert=self.confirmations_alert)
            return None
        except Unavailable as exc:
            log.info("relay: %s", exc)
            return None
        except Exception:   # e.g. a database write failed: not acknowledged, pulled again next time
            log.exception("relay poll failed")
            return None
        if summary.tamper_signal:
            self.confirmations_alert = Notice(
                "sync.audit_head_mismatch", "the audit history no longer holds the head the relay acknowledged: "
                "run `crvs-field audit verify`")
            self._publish(alert=self.confirmations_alert)
        elif self.confirmations_alert is not None:
            self.confirmations_alert = None
            self._publish(alert=None)
        self.last_poll = summary
        if summary.pulled or summary.registered or summary.tamper_signal:
            log.info("relay: registered %d, pulled %d, applied %d, repeated %d, rejected %d, not ready %d, "
                     "audit head %s", summary.registered, summary.pulled, summary.applied, summary.repeated,
                     summary.rejected, summary.not_ready, summary.head.value if summary.head else "-")
        return summary

    # ------------------------------------------------------------------ backups

    def backup_if_due(self, *, force: bool = False, progress: Callable[[BackupProgress], None] | None = None
                      ) -> BackupStatus | None:
        """The scheduled backup (or `force`: now); the outcome is stored and published. Offline or
        online alike: a folder backup needs no network."""
        if self.backups is None:
            return None
        try:
            status = self.backups.run(progress=progress) if force else self.backups.run_if_due()
        except Exception:   # e.g. the database could not be read: the next check tries again
            log.exception("backup failed")
            return None
        if status is not None:
            self._publish(backup=status)
        return status

    def _records_confirmed(self, records: set[str]) -> None:
        self._publish(changed_records=tuple(sorted(records)))

    def resubscribe(self) -> bool:
        return self.subscription.subscribe() if self.receiver is not None else False

    @property
    def subscribed(self) -> bool:
        return self.subscription.subscribed

    @property
    def resubscribe_after_failure_seconds(self) -> float:
        return self.subscription.retry_after_failure_seconds

    @resubscribe_after_failure_seconds.setter
    def resubscribe_after_failure_seconds(self, seconds: float) -> None:
        self.subscription.retry_after_failure_seconds = seconds

    def _schedule_resubscribe(self, delay: float) -> None:
        if self._scheduler is not None:
            run_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
            self._scheduler.add_job(self.resubscribe, "date", run_date=run_at, id="websub-retry",
                                    replace_existing=True)

    def refresh_token(self) -> None:
        packets = self.settings.packets
        if not self.connectivity.online or packets is None:
            return

        async def run() -> str:
            async with httpx.AsyncClient(timeout=15) as http:
                return await PacketClient(packets, http).token(refresh=True)

        try:
            self.worker.packet_token = asyncio.run(run())
        except Exception as exc:  # a failed refresh is retried by the next drain
            log.info("token refresh failed: %s", type(exc).__name__)

    # ------------------------------------------------------------------ callbacks

    def _credential_issued(self, credential: IssuedCredential) -> None:
        record = apply_credential(self.delivery, credential)
        self.subscription.delivered()
        if record is not None:
            log.info("credential issued for %s: record %s registered", credential.registration_id, record.id)
            self._publish(changed_records=(record.id,))

    def _delivery_rejected(self, reason: str) -> None:
        log.warning("WebSub delivery rejected: %s", reason)

    def _progress(self, done: int, total: int, records: set[str]) -> None:
        """Per delivered item: no database query (counting the outbox per item made a long drain
        quadratic); the queue size follows from the drain's own progress."""
        total = max(total, done)
        status = self.hub.status
        queued = max(0, status.queued - 1) if status.running else status.queued
        self.hub.update(online=self.connectivity.online, done=done, total=total, queued=queued,
                        changed_records=tuple(sorted(records)))

    def _publish(self, **changes: object) -> None:
        counts = self.ledger.counts()
        self.hub.update(online=self.connectivity.online,
                        queued=counts[OutboxState.PENDING] + counts[OutboxState.IN_FLIGHT],
                        quarantined=counts[OutboxState.QUARANTINED], **changes)
