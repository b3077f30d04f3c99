"""Names of concepts shared by `app/`, `sync/` and `ui/`, stored as their values. Imports nothing of
ours, so anything may import it; a value changed here needs a data migration of the rows holding it
(audit events excepted: they are hash-chained and keep the spelling of their day)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Where a record stands (DESIGN §4); `app.records.workflow` says how it moves."""

    DRAFT = "draft"
    DECLARED = "declared"
    VERIFICATION_FAILED = "verification_failed"
    VALIDATED = "validated"
    AWAITING_EXTERNAL_VALIDATION = "awaiting_external_validation"
    REGISTERED = "registered"
    CORRECTION_REQUESTED = "correction_requested"
    REJECTED = "rejected"


class ActionType(StrEnum):
    """What was done to a record: `action.type`, the audit event's kind, the CLI's `records act`
    verb and the `action` a country rule applies to, all in this one spelling."""

    CREATE = "create"
    UPDATE = "update"
    DECLARE = "declare"
    VALIDATE = "validate"
    REGISTER = "register"
    REQUEST_CORRECTION = "request-correction"
    APPROVE_CORRECTION = "approve-correction"
    REJECT_CORRECTION = "reject-correction"
    REJECT = "reject"
    RETRY = "retry"
    REMOVE_FROM_QUEUE = "remove-from-queue"
    # done by the device on MOSIP's answers, never by a person
    VERIFICATION_RESULT = "verification-result"
    CONFIRM_REGISTRATION = "confirm-registration"
    AUTHENTICATE = "authenticate"
    FLAG_ATTENTION = "flag-attention"
    # done by the device on OpenCRVS's answers (deployment mode `opencrvs`): the upstream record
    # moved (accepted, registered, rejected, refused); a rejection reopens the record as a draft
    UPSTREAM_STATUS = "upstream-status"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    REGISTRAR = "registrar"
    ADMIN = "admin"
    SYSTEM = "system"  # the sync agent


@dataclass(frozen=True)
class Actor:
    """Who does something: a signed-in user's name and role, or the device itself (`SYSTEM`)."""

    name: str
    role: Role


SYSTEM = Actor("system", Role.SYSTEM)


class VerificationState(StrEnum):
    """A person's identity check: `record.persons[section]["verification"]` (NONE until queued,
    AUTHENTICATED after e-Signet) and `verification.status` (PENDING to VERIFIED, FAILED or CANCELLED)."""

    NONE = "none"
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"
    AUTHENTICATED = "authenticated"
    CANCELLED = "cancelled"


class RequestState(StrEnum):
    """A UIN request MOSIP must confirm (`external_request.status`)."""

    AWAITING = "awaiting"
    CONFIRMED = "confirmed"
    REMOVED = "removed"     # left the queue by a supervisor; a later confirmation is a late one


class OutboxKind(StrEnum):
    """What an outbox item delivers. The packet kinds are the MOSIP operations of the country's
    rules (`app.config.models.Operation`, same values); `OPENCRVS_NOTIFY` sends a declaration to
    OpenCRVS core as an incomplete (notified) declaration (deployment mode `opencrvs`)."""

    VERIFY = "verify"
    CREATE_UIN = "create_uin"
    UPDATE_BIOGRAPHICS = "update_biographics"
    MARK_DECEASED = "mark_deceased"
    OPENCRVS_NOTIFY = "opencrvs_notify"


PACKET_KINDS = frozenset({OutboxKind.CREATE_UIN, OutboxKind.UPDATE_BIOGRAPHICS, OutboxKind.MARK_DECEASED})


class OutboxState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    QUARANTINED = "quarantined"
    CANCELLED = "cancelled"


class DeploymentMode(StrEnum):
    """Who registers (country configuration `deployment.mode`). `standalone`: the device registers
    and runs the MOSIP UIN lifecycle itself. `opencrvs`: the device declares, captures and verifies
    identities, and notifies OpenCRVS core, where registrars register (and OpenCRVS runs MOSIP)."""

    STANDALONE = "standalone"
    OPENCRVS = "opencrvs"


class UpstreamState(StrEnum):
    """Where a record stands in OpenCRVS core (`record.upstream_state`; None in standalone mode or
    before it is declared). Read from OpenCRVS's NOTIFY answers and from its search index
    (opencrvs-core v2.0.0 packages/commons/src/events/EventIndex.ts, EventStatus, flags)."""

    QUEUED = "queued"            # the NOTIFY waits in the outbox (offline, or identity checks pending)
    SUBMITTED = "submitted"      # the NOTIFY is stored `Requested`: the country configuration has not answered
    INCOMPLETE = "incomplete"    # notified and accepted: status NOTIFIED, flag `incomplete`
    DECLARED = "declared"        # a registrar completed and declared it: status DECLARED
    VALIDATED = "validated"      # a registrar reviewed it: status DECLARED + flag `validated`
    REGISTERED = "registered"    # status REGISTERED: registration number (and child.nid when MOSIP issued one)
    REJECTED = "rejected"        # flag `rejected`: requires updates, the reason on the record; reopened
    REFUSED = "refused"          # OpenCRVS refused the NOTIFY (400 field errors, or the country's hook
                                 # Rejected it): requires updates, the field errors on the record; reopened


UPSTREAM_OPEN = frozenset({UpstreamState.SUBMITTED, UpstreamState.INCOMPLETE, UpstreamState.DECLARED,
                           UpstreamState.VALIDATED})
"""States the agent keeps polling OpenCRVS's search for."""

UPSTREAM_NEEDS_UPDATES = frozenset({UpstreamState.REJECTED, UpstreamState.REFUSED})
"""States that reopen the record for the agent to correct and declare again."""


class PersonAttribute(StrEnum):
    """What an identity section of a record carries besides its form fields
    (`record.persons[section]`), as rules see it."""

    VERIFICATION = "verification"
    PSUT = "psut"
    VID = "vid"
    UIN = "uin"
    FAILED_ATTRIBUTES = "failed_attributes"
    USERINFO_JWT = "userinfo_jwt"


PERSON_ATTRIBUTES = frozenset(PersonAttribute)
