"""One delivery class per kind of outbox item, registered by kind: verifications go to IDA,
MOSIP operations go to the packet manager as packets, declarations to OpenCRVS core (deployment
mode `opencrvs`)."""

from __future__ import annotations

from app.vocabulary import OutboxKind
from sync.deliveries.base import (
    BatchStopped,
    Delivery,
    DrainContext,
    DrainReport,
    DrainSummary,
    MosipClients,
    RetryPolicy,
)
from sync.deliveries.opencrvs import DrainClients, OpenCrvsDelivery
from sync.deliveries.packet import PacketDelivery
from sync.deliveries.verification import VerificationDelivery, count_committed

DELIVERY_CLASSES: tuple[type[Delivery], ...] = (VerificationDelivery, PacketDelivery, OpenCrvsDelivery)
DELIVERIES: dict[OutboxKind, type[Delivery]] = {kind: cls for cls in DELIVERY_CLASSES for kind in cls.kinds}

__all__ = ["DELIVERIES", "BatchStopped", "Delivery", "DrainClients", "DrainContext", "DrainReport", "DrainSummary",
           "MosipClients", "OpenCrvsDelivery", "PacketDelivery", "RetryPolicy", "VerificationDelivery",
           "count_committed"]
