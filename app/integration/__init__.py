"""Civil-registration actions → the country's rules → MOSIP operations in the outbox."""

from app.integration.engine import (
    AWAITS_CONFIRMATION,
    Evaluation,
    PlannedOperation,
    Queued,
    encode_packet_fields,
    enqueue,
    evaluate,
)

__all__ = ["AWAITS_CONFIRMATION", "Evaluation", "PlannedOperation", "Queued", "encode_packet_fields", "enqueue",
           "evaluate"]
