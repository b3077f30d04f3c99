"""Developer tools, not shipped: the import-graph check, the translation catalogue build and the
README screenshots. Run from the repository root (`python -m tools.<name>` or `python tools/<file>`)."""
