"""The one shape every benchmark suite reports in, so `python -m bench` can put them in one table.

A suite's result JSON carries `"figures": [Figure.as_dict(), ...]`. A figure is one measured
number, with the DESIGN §7 budget it is held to (if any) and the anchor it is compared with (if
any), measured in the same run. The verdict is computed here, never typed in by hand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Better = Literal["lower", "higher"]
Verdict = Literal["met", "missed", "no budget", "not measured"]


@dataclass(frozen=True)
class Figure:
    key: str                      # stable id for tooling, e.g. "qr.decode.small.zxing.median_ms"
    area: str                     # "QR", "Sync", "Rules and store", "UI"
    what: str                     # one line a reader understands
    value: float | None           # None: could not be measured in this run (note says why)
    unit: str                     # "ms", "items/s", "×", "fps", "MiB", "s"
    better: Better = "lower"
    budget: float | None = None   # DESIGN §7 budget in `unit`
    budget_text: str | None = None  # as DESIGN says it, when the number alone is not enough
    anchor: float | None = None   # the anchor's figure, measured in the same run, in `unit`
    anchor_name: str | None = None
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> Verdict:
        if self.value is None:
            return "not measured"
        if self.budget is None:
            return "no budget"
        ok = self.value <= self.budget if self.better == "lower" else self.value >= self.budget
        return "met" if ok else "missed"

    @property
    def ratio(self) -> float | None:
        """How many times better than the anchor (> 1: we win), from this run's two figures."""
        if self.value is None or self.anchor is None or not self.value or not self.anchor:
            return None
        return self.anchor / self.value if self.better == "lower" else self.value / self.anchor

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["verdict"] = self.verdict
        out["ratio"] = None if self.ratio is None else round(self.ratio, 2)
        return out


def figure(key: str, area: str, what: str, value: float | None, unit: str, **kw: Any) -> dict[str, Any]:
    return Figure(key, area, what, None if value is None else float(value), unit, **kw).as_dict()
