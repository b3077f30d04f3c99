"""The entry point and the only composition root: the `crvs-field` CLI, the demo and the runtime
that wires `ui`, `sync` and `app` together. Nothing below this package imports it."""
