"""Regenerate the Qt Linguist catalogues: `python -m tools.i18n_build [--check]`.

1. `pyside6-lupdate` collects every `self.tr(…)` / `QCoreApplication.translate(…)` of ui/*.py into
   resources/translations/crvs_field_{en,fr}.ts (existing translations are kept; English only
   carries plural forms).
2. `pyside6-lrelease` compiles them to .qm (committed, loaded by ui.i18n at run time).
With --check: exit 1 when a French message is unfinished or missing (a new string to translate).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(str(p) for p in (ROOT / "ui").glob("*.py"))
OUT = ROOT / "resources" / "translations"
LANGUAGES = {"en": "en_GB", "fr": "fr_FR"}


def tool(name: str) -> str:
    found = shutil.which(f"pyside6-{name}") or shutil.which(name)
    if found:
        return found
    exe = Path(sys.executable).parent / f"pyside6-{name}"
    if exe.exists():
        return str(exe)
    raise SystemExit(f"pyside6-{name} not found: install PySide6-Essentials in this environment")


def ts_path(language: str) -> Path:
    return OUT / f"crvs_field_{language}.ts"


def update() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for language, locale in LANGUAGES.items():
        args = [tool("lupdate"), *SOURCES, "-ts", str(ts_path(language)), "-target-language", locale,
                "-locations", "none", "-no-obsolete"]
        if language == "en":
            args.append("-pluralonly")
        subprocess.run(args, check=True, capture_output=True)


def release() -> None:
    for language in LANGUAGES:
        subprocess.run([tool("lrelease"), str(ts_path(language)), "-qm",
                        str(OUT / f"crvs_field_{language}.qm")], check=True, capture_output=True)


def unfinished(language: str = "fr") -> list[str]:
    """Messages without a finished translation."""
    missing = []
    for context in ET.parse(ts_path(language)).getroot().iter("context"):  # noqa: S314 - our own .ts
        for message in context.iter("message"):
            translation = message.find("translation")
            forms = [] if translation is None else [f.text for f in translation.iter("numerusform")]
            text = translation.text if translation is not None else None
            if (translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete")
                    or not (text or any(forms))):
                missing.append(f"{context.findtext('name')}: {message.findtext('source')}")
    return missing


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    update()
    release()
    todo = unfinished("fr")
    for line in todo:
        print(f"untranslated: {line}", file=sys.stderr)
    return 1 if todo and "--check" in argv else 0


if __name__ == "__main__":
    raise SystemExit(main())
