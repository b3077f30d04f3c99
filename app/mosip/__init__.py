"""Protocol clients for MOSIP and e-Signet: pure protocol over httpx, no database."""
