"""A local OpenCRVS (v2.0 events API, auth for system clients) for crvs-field's tests and demo."""
