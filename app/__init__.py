"""The core: everything the device knows how to do — configuration, records and their workflow,
rules, identity, MOSIP protocol clients, security, storage — with no Qt, no scheduling, and no
import of `sync`, `ui` or `crvs_field`."""
