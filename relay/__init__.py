"""crvs-relay: the confirmations relay a country deploys once, next to MOSIP.

It subscribes to MOSIP's WebSub hub as the credential partner, stores each signed delivery durably
(never decrypting it), and lets each field device pull the deliveries for the registrations it
awaits. It imports none of the device's packages: a separate deployable (see README.md).
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
