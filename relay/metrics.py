"""Prometheus text exposition: this instance's event counters plus the database's counts (shared by
every instance). Counts only: no identifiers, no bodies."""

from __future__ import annotations

import threading
from collections import Counter
from enum import StrEnum


class DeliveryOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"     # signed by the hub but not a readable CREDENTIAL_ISSUED event
    FORGED = "forged"               # HMAC missing or wrong
    TOO_LARGE = "too_large"


class Counters:
    """Per-instance counters (Prometheus scrapes each instance and sums)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def incr(self, name: str, label: str = "", value: str = "") -> None:
        with self._lock:
            self._counts[(name, label, value)] += 1

    def render(self, gauges: dict[str, float] | None) -> str:
        lines: list[str] = []
        with self._lock:
            items = sorted(self._counts.items())
        seen: set[str] = set()
        for (name, label, value), count in items:
            metric = f"crvs_relay_{name}_total"
            if metric not in seen:
                lines.append(f"# TYPE {metric} counter")
                seen.add(metric)
            labels = f'{{{label}="{value}"}}' if label else ""
            lines.append(f"{metric}{labels} {count}")
        if gauges is not None:
            for name, number in sorted(gauges.items()):
                lines.append(f"# TYPE crvs_relay_{name} gauge")
                lines.append(f"crvs_relay_{name} {number:g}")
        lines.append("# TYPE crvs_relay_database_up gauge")
        lines.append(f"crvs_relay_database_up {0 if gauges is None else 1}")
        return "\n".join(lines) + "\n"
