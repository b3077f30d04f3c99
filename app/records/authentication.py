"""A person signed in with e-Signet: what the device keeps of it (the PSUT, never the UIN; the
prefill; the verified userinfo JWT in the secret store), in one transaction like every command."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from app.records.provenance import esignet_provenance
from app.records.workflow import ActionType, Status, WorkflowError, check_permission
from app.records.writer import Actor, RecordWriter, userinfo_jwt_name
from app.store.models import Record, Secret
from app.vocabulary import VerificationState

# A userinfo JWT without a picture is 1–3 KB; the bound leaves room for a small one and keeps a
# hostile provider from filling the database (it is also the secret store's bound).
MAX_USERINFO_JWT_CHARS = 64 * 1024
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


class AuthenticationCommands(RecordWriter):
    def record_authentication(self, actor: Actor, record_id: str, section: str, *, psut: str,
                              values: Mapping[str, Any] | None = None,
                              userinfo_jwt: str | None = None) -> Record:
        """A person logged in with e-Signet: store the PSUT (never the UIN), the prefill, and the
        verified userinfo JWT (in the secret store, see `userinfo_jwt_name`)."""
        check_permission(ActionType.AUTHENTICATE, actor.role)
        with self.db.write() as session:
            record = self._load(session, record_id)
            form = self.country.config.form(record.event)
            target_section = form.section(section)
            if target_section is None or not target_section.identity:
                raise WorkflowError(f"'{section}' is not a person section of this {record.event} form",
                                    code="record.not_a_person_section",
                                    params={"section": section[:64], "event": record.event})
            prefill = self._parse(record.event, values)
            if any(not k.startswith(section + ".") for k in prefill):
                raise WorkflowError("prefilled fields must belong to the authenticated section",
                                    code="record.prefill_outside_section", params={"section": section[:64]})
            written = Status(record.status) is Status.DRAFT
            if written:
                record.declaration = dict(record.declaration) | prefill
            self._cancel_pending(session, record.id, section)
            person, source_change = esignet_provenance(
                {"verification": VerificationState.AUTHENTICATED.value, "psut": psut, "failed_attributes": []},
                record.persons.get(section) or {}, sorted(prefill) if written else [])
            record.persons = {**record.persons, section: person}
            kept = self._keep_userinfo_jwt(session, record.id, section, userinfo_jwt)
            details: dict[str, Any] = {"section": section, "fields": sorted(prefill), "userinfo_jwt_kept": kept}
            if source_change:
                details["data_sources"] = {section: source_change}
            self._commit_action(session, record, actor, ActionType.AUTHENTICATE, Status(record.status),
                                audit_details=details)
        return record

    def _keep_userinfo_jwt(self, session: Session, record_id: str, section: str, token: str | None) -> bool:
        """Store the person's verified userinfo JWT (compact JWS, bounded) in place of an earlier
        login's; a login without one (or with one too large) leaves none, so a rule never sends
        another login's token. MOSIP's CRVS integration names the informant's e-Signet userinfo JWT
        as the packet's `introducerInfoToken` / `deceasedInformer` (mosip/documentation
        docs/interoperability/integrations/mosip-crvs/approach/technical-details.md)."""
        name = userinfo_jwt_name(record_id, section)
        row = session.get(Secret, name)
        usable = (isinstance(token, str) and len(token) <= MAX_USERINFO_JWT_CHARS
                  and _COMPACT_JWS.fullmatch(token) is not None)
        if not usable:
            if row is not None:
                session.delete(row)
            return False
        assert token is not None
        row = row or Secret(name=name, value=b"")
        row.value = token.encode("ascii")
        row.updated_at = self.clock()
        session.add(row)
        return True
