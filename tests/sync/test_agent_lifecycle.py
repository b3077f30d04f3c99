"""The agent starts, stops and restarts cleanly, and never runs two drains at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from app.mosip.settings import load_settings
from app.security.secrets import SecretStore
from sync.agent import SyncAgent
from tests.sync.conftest import LinkedDevice


def test_start_stop_restart_and_no_overlapping_drains(linked: LinkedDevice, tmp_path: Path) -> None:
    device = linked.open()
    try:
        agent = SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)))
        active, peak, calls = 0, 0, 0
        lock = threading.Lock()
        original = agent.worker.drain

        async def slow_drain(**kw):  # type: ignore[no-untyped-def]
            nonlocal active, peak, calls
            with lock:
                active += 1
                calls += 1
                peak = max(peak, active)
            try:
                import asyncio

                await asyncio.sleep(0.3)
                return await original(**kw)
            finally:
                with lock:
                    active -= 1

        agent.worker.drain = slow_drain  # type: ignore[method-assign]
        for _round in range(2):  # start, use, stop — twice
            agent.start()
            deadline = time.monotonic() + 10
            while not agent.hub.status.online and time.monotonic() < deadline:
                time.sleep(0.05)
            assert agent.hub.status.online
            threads = [threading.Thread(target=agent.drain) for _ in range(6)]
            for thread in threads:
                thread.start()
            agent.sync_now()
            for thread in threads:
                thread.join()
            agent.stop()
            assert agent.receiver is not None and agent.receiver._server is None
        assert calls >= 2 and peak == 1
    finally:
        device.close()


def test_probes_go_on_while_a_long_drain_runs(emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The drain that follows the online edge runs as its own job: the connectivity probe keeps
    its schedule meanwhile (it was skipped for the whole drain), so a drop is seen while syncing."""
    from tests.sync.conftest import fast_country, link

    linked = link(emulator, tmp_path / "device", fast_country(tmp_path, probe_seconds=2))
    device = linked.open()
    try:
        agent = SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)),
                          websub=False)
        probes: list[float] = []
        drains: list[tuple[float, float]] = []
        probe = agent.probe

        def counted_probe() -> None:
            probes.append(time.monotonic())
            probe()

        async def long_drain(**kw):  # type: ignore[no-untyped-def]
            import asyncio

            from sync.worker import DrainSummary

            start = time.monotonic()
            await asyncio.sleep(5)
            drains.append((start, time.monotonic()))
            return DrainSummary()

        agent.probe = counted_probe  # type: ignore[method-assign]
        agent.worker.drain = long_drain  # type: ignore[method-assign]
        agent.start()
        deadline = time.monotonic() + 20
        while not drains and time.monotonic() < deadline:
            time.sleep(0.05)
        agent.stop()
        assert drains, "the online edge started no drain"
        start, end = drains[0]
        assert sum(1 for t in probes if start < t < end) >= 2    # 2 s probes during a 5 s drain
    finally:
        device.close()


def test_sync_now_during_a_drain_gets_a_pass_of_its_own(linked: LinkedDevice) -> None:
    """"Sync now" pressed while a drain runs was skipped by the scheduler (one instance per job),
    leaving what was queued meanwhile for the next scheduled drain, a minute later."""
    device = linked.open()
    try:
        agent = SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)),
                          websub=False)
        assert device.country.config.sync.drain_every_seconds >= 60
        started: list[float] = []
        release = threading.Event()
        original = agent.worker.drain

        async def held_drain(**kw):  # type: ignore[no-untyped-def]
            import asyncio

            started.append(time.monotonic())
            while len(started) == 1 and not release.is_set():
                await asyncio.sleep(0.02)
            return await original(**kw)

        agent.worker.drain = held_drain  # type: ignore[method-assign]
        agent.start()
        try:
            deadline = time.monotonic() + 20
            while not started and time.monotonic() < deadline:   # the online edge's drain
                time.sleep(0.02)
            assert len(started) == 1
            agent.sync_now()                # while that first drain is still running
            agent.sync_now()                # twice: requests coalesce into one more pass
            release.set()
            deadline = time.monotonic() + 10
            while len(started) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.5)
            assert len(started) == 2
        finally:
            agent.stop()
    finally:
        device.close()
