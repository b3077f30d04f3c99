"""OpenCRVS core's v2 events API as a system client (an integration) uses it, in deployment mode
`opencrvs`: token, create, notify, search, read (`client`), the declaration mapped to OpenCRVS's
form fields (`declaration`), and what OpenCRVS's answers mean (`answers`). Pure protocol: no
database; what an answer does to a record is written by `app.opencrvs_outcomes`.

Read from opencrvs/opencrvs-core v2.0.0 (d244255356082c3b54fd5f7455e9a8b8d7a71d50); every rule with
its source file: docs/fidelity/opencrvs.md."""
