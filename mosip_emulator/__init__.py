"""A separate program: MOSIP and e-Signet as MOSIP's own source behaves (each behaviour cites it),
with identity fixtures and fault injection. It imports none of our packages."""
