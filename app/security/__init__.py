"""Accounts, roles, PINs (and, with the security issue, key slots and secrets)."""
