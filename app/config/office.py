"""How an office works with records: work queues, registration numbers, corrections."""

from __future__ import annotations

from pydantic import Field, model_validator

from app.config.base import IDENT, EventType, LocalizedText, Strict
from app.vocabulary import DeploymentMode, UpstreamState


class WorkQueue(Strict):
    id: str = Field(pattern=IDENT)
    label: LocalizedText
    statuses: list[str] = Field(default_factory=list)
    upstream: list[UpstreamState] = Field(default_factory=list, description=(
        "records by where they stand in OpenCRVS core (deployment mode opencrvs)"))
    requires_attention: bool = False
    outbox: bool = False
    modes: list[DeploymentMode] | None = Field(default=None, description=(
        "the deployment modes this queue is shown in (default: every mode)"))

    @model_validator(mode="after")
    def _one_selector(self) -> WorkQueue:
        if sum([bool(self.statuses), bool(self.upstream), self.requires_attention, self.outbox]) != 1:
            raise ValueError("a queue selects by exactly one of statuses, upstream, requires_attention, outbox")
        return self

    def shown_in(self, mode: DeploymentMode) -> bool:
        return self.modes is None or mode in self.modes


def default_workqueues() -> list[WorkQueue]:
    def q(id_: str, en: str, fr: str, **kw: object) -> WorkQueue:
        return WorkQueue(id=id_, label={"en": en, "fr": fr}, **kw)  # type: ignore[arg-type]

    standalone, opencrvs = [DeploymentMode.STANDALONE], [DeploymentMode.OPENCRVS]
    return [
        q("drafts", "Drafts", "Brouillons", statuses=["draft"]),
        q("pending_validation", "Pending validation", "En attente de validation", statuses=["declared"]),
        q("verification_failed", "Verification failed", "Vérification échouée",
          statuses=["verification_failed"]),
        q("ready_to_register", "Ready to register", "Prêt à enregistrer", statuses=["validated"], modes=standalone),
        q("awaiting_external_validation", "Awaiting external validation",
          "En attente de validation externe", statuses=["awaiting_external_validation"], modes=standalone),
        # deployment mode opencrvs: where the declarations stand in OpenCRVS core
        q("sent_to_opencrvs", "Sent to OpenCRVS", "Envoyé à OpenCRVS", modes=opencrvs,
          upstream=[UpstreamState.QUEUED, UpstreamState.SUBMITTED, UpstreamState.INCOMPLETE,
                    UpstreamState.DECLARED, UpstreamState.VALIDATED]),
        q("registered", "Registered", "Enregistré", statuses=["registered"]),
        q("correction_requested", "Correction requested", "Correction demandée",
          statuses=["correction_requested"], modes=standalone),
        q("requires_updates", "Requires updates", "Mises à jour requises", statuses=["rejected"], modes=standalone),
        q("opencrvs_requires_updates", "Requires updates", "Mises à jour requises", modes=opencrvs,
          upstream=[UpstreamState.REJECTED, UpstreamState.REFUSED]),
        q("requires_attention", "Requires attention", "Nécessite une attention", requires_attention=True),
        q("outbox", "Outbox", "Boîte d'envoi", outbox=True),
    ]


class RegistrationConfig(Strict):
    number_prefix: dict[EventType, str] = Field(
        default_factory=lambda: {EventType.BIRTH: "B", EventType.DEATH: "D"})


class CorrectionsConfig(Strict):
    four_eyes: bool = Field(default=True, description="the officer who requested a correction may not "
                            "approve it; another officer must")
