"""How an office works with records: work queues, registration numbers, corrections."""

from __future__ import annotations

from pydantic import Field, model_validator

from app.config.base import IDENT, EventType, LocalizedText, Strict


class WorkQueue(Strict):
    id: str = Field(pattern=IDENT)
    label: LocalizedText
    statuses: list[str] = Field(default_factory=list)
    requires_attention: bool = False
    outbox: bool = False

    @model_validator(mode="after")
    def _one_selector(self) -> WorkQueue:
        if sum([bool(self.statuses), self.requires_attention, self.outbox]) != 1:
            raise ValueError("a queue selects by exactly one of statuses, requires_attention, outbox")
        return self


def default_workqueues() -> list[WorkQueue]:
    def q(id_: str, en: str, fr: str, **kw: object) -> WorkQueue:
        return WorkQueue(id=id_, label={"en": en, "fr": fr}, **kw)  # type: ignore[arg-type]

    return [
        q("drafts", "Drafts", "Brouillons", statuses=["draft"]),
        q("pending_validation", "Pending validation", "En attente de validation", statuses=["declared"]),
        q("verification_failed", "Verification failed", "Vérification échouée",
          statuses=["verification_failed"]),
        q("ready_to_register", "Ready to register", "Prêt à enregistrer", statuses=["validated"]),
        q("awaiting_external_validation", "Awaiting external validation",
          "En attente de validation externe", statuses=["awaiting_external_validation"]),
        q("registered", "Registered", "Enregistré", statuses=["registered"]),
        q("correction_requested", "Correction requested", "Correction demandée",
          statuses=["correction_requested"]),
        q("requires_updates", "Requires updates", "Mises à jour requises", statuses=["rejected"]),
        q("requires_attention", "Requires attention", "Nécessite une attention", requires_attention=True),
        q("outbox", "Outbox", "Boîte d'envoi", outbox=True),
    ]


class RegistrationConfig(Strict):
    number_prefix: dict[EventType, str] = Field(
        default_factory=lambda: {EventType.BIRTH: "B", EventType.DEATH: "D"})


class CorrectionsConfig(Strict):
    four_eyes: bool = Field(default=True, description="the officer who requested a correction may not "
                            "approve it; another officer must")
