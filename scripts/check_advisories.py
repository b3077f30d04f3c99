"""Offline dependency check: every installed package named in scripts/advisory-floors.txt is at or
above its floor. Exit 0 when all are, 1 listing those that are not. No network: run it anywhere
(CI, a field laptop); run `pip-audit` as well when online, and add its findings to the list.

    .venv/bin/python scripts/check_advisories.py
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

FLOORS = Path(__file__).with_name("advisory-floors.txt")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:4])


def main() -> int:
    behind = []
    checked = 0
    for line in FLOORS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        package, floor, advisory = line.split()[:3]
        try:
            installed = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
        checked += 1
        if _version(installed) < _version(floor):
            behind.append(f"{package} {installed} < {floor} ({advisory})")
    for entry in behind:
        print(f"advisory: {entry}", file=sys.stderr)
    print(f"{checked} installed packages checked against {FLOORS.name}: "
          + ("all at or above their floors" if not behind else f"{len(behind)} below"))
    return 1 if behind else 0


if __name__ == "__main__":
    sys.exit(main())
