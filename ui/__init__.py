"""The PySide6 desktop app: windows, widgets and Qt models over the `app` services. It imports only
`app` (never `sync`): the sync status and "sync now" are handed in by `crvs_field`.
Importing it applies the binding work-arounds first."""

from ui import qt_compat as _qt_compat  # noqa: F401  (pins None/True/False on affected bindings)
