"""Scripts run under the separate mosip-auth-sdk venv (`.venv-mosip-auth-sdk`), not imported by us."""
