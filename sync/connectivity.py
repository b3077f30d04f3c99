"""Is MOSIP reachable? A cheap probe with hysteresis, so one lost packet does not flip the state."""

from __future__ import annotations

from collections.abc import Iterable

import httpx


class Connectivity:
    def __init__(self, urls: Iterable[str], *, down_after: int = 2, up_after: int = 1, timeout: float = 3.0):
        self.urls = list(dict.fromkeys(urls))
        self.down_after = down_after
        self.up_after = up_after
        self.timeout = timeout
        self.online = False
        self._failures = 0
        self._successes = 0

    def probe_once(self) -> bool:
        """True when every endpoint answers at all (any HTTP status means the server is there)."""
        try:
            with httpx.Client(timeout=self.timeout) as client:
                for url in self.urls:
                    client.head(url)
        except httpx.HTTPError:
            return False
        return True

    def observe(self, reachable: bool) -> bool | None:
        """Feed one probe result; returns the new state on an edge, else None."""
        if reachable:
            self._successes, self._failures = self._successes + 1, 0
            if not self.online and self._successes >= self.up_after:
                self.online = True
                return True
        else:
            self._failures, self._successes = self._failures + 1, 0
            if self.online and self._failures >= self.down_after:
                self.online = False
                return False
        return None
