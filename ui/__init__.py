"""The PySide6 desktop app (issue 7). Importing it applies the binding work-arounds first."""

from ui import qt_compat as _qt_compat  # noqa: F401  (pins None/True/False on affected bindings)
