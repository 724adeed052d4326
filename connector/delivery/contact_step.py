"""The contact step: find, create, upsert or update the lead's contact per the duplicate rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from connector.client.errors import KeapRecovered, KeapRejected
from connector.client.keap import KeapClient
from connector.config import ConnectorConfig, DuplicateMode, MatchRule
from connector.delivery.contact_ids import created_contact_id, existing_contact_id
from connector.delivery.names import NameResolver
from connector.delivery.run import Plan, Run
from connector.delivery.times import CLOCK_SKEW_MARGIN, contact_time
from connector.dialects import Dialect
from connector.mapping import restrict_for_existing
from connector.result import StepStatus
from connector.validation import NormalisedLead

_SKIPPED_EXISTING = "contact already exists in Keap (skip_existing)"


class ContactStep:
    """Writes the lead's contact; sets ``run.contact_id`` and ``run.duplicate``."""

    def __init__(
        self, config: ConnectorConfig, client: KeapClient, dialect: Dialect, names: NameResolver
    ) -> None:
        self.config = config
        self.client = client
        self.dialect = dialect
        self.names = names

    def __call__(self, run: Run, plan: Plan, body: dict[str, Any]) -> str | None:
        """Create/update the contact; returns a skip reason, or None when the contact is set."""
        mode = self.config.duplicates.mode
        if mode is DuplicateMode.SKIP_EXISTING:
            return self._skip_existing(run, plan, body)
        if mode is DuplicateMode.CREATE_NEW:
            if self._create(run, plan, body) is None:
                self._update_existing(run, plan, body)
            return None
        # update_existing
        if self.config.existing_contacts.restricted and plan.lead.email:
            existing = self._find(plan.lead, run)
            if existing:
                run.contact_id = str(existing[0]["id"])
                self._update_existing(run, plan, body)
                return None
        self._upsert(run, plan, body)
        return None

    def _skip_existing(self, run: Run, plan: Plan, body: dict[str, Any]) -> str | None:
        email = plan.lead.email
        if email:
            existing = self._find(plan.lead, run)
            if existing:
                run.contact_id, run.duplicate = str(existing[0]["id"]), True
                run.step("contact", StepStatus.SKIPPED, "contact already exists")
                return _SKIPPED_EXISTING
        # The look-up just found no contact, so one found after a lost response is the one
        # this create made: re-sending the plain POST would make a second.
        created = self._create(run, plan, body, recover_by_lookup=bool(email))
        if created is None:
            run.duplicate = True
            return _SKIPPED_EXISTING
        return None

    def _find(self, lead: NormalisedLead, run: Run) -> list[dict[str, Any]]:
        by_name = self.config.duplicates.match is MatchRule.EMAIL_AND_NAME
        assert lead.email
        found = self.client.find_contacts(
            lead.email,
            given_name=lead.first_name if by_name else None,
            family_name=lead.last_name if by_name else None,
            stats=run.stats,
        )
        run.step("lookup", StepStatus.OK, f"{len(found)} matching contact(s)")
        return found

    def _create(
        self, run: Run, plan: Plan, body: dict[str, Any], *, recover_by_lookup: bool = False
    ) -> str | None:
        """Plain POST. Returns the new id, or None after a 409 (run.contact_id then set).

        With ``recover_by_lookup`` (only when no contact had the email just before), a lost
        response is followed by a look-up by email instead of a blind re-send.
        """

        def recover() -> str | None:
            found = self._find(plan.lead, run)
            return str(found[0]["id"]) if found else None

        try:
            response = self.client.request(
                "POST",
                f"/{self.client.v}/contacts",
                json=body,
                allow=(409,),
                stats=run.stats,
                recover=recover if recover_by_lookup else None,
            )
        except KeapRecovered as done:
            run.contact_id, run.duplicate = str(done.value), False
            run.step("contact", StepStatus.OK, "created (response lost, found by look-up)")
            return run.contact_id
        if response.status_code == 409:
            run.contact_id = self._conflict_contact_id(response, run, plan.lead.email)
            run.step("contact", StepStatus.OK, "409: contact exists", http_status=409)
            return None
        run.contact_id, run.duplicate = created_contact_id(response), False
        run.step("contact", StepStatus.OK, "created", http_status=response.status_code)
        return run.contact_id

    def _upsert(self, run: Run, plan: Plan, body: dict[str, Any]) -> None:
        if not plan.lead.email:
            # Duplicate matching is by email; a phone-only lead can only be created.
            if self._create(run, plan, body) is None:
                self._update_existing(run, plan, body)
            return
        lost: list[bool] = []

        def note_lost() -> None:  # a lost answer here needs no recovery: the upsert is re-sent
            lost.append(True)

        answer = self.dialect.upsert(
            self.client,
            body,
            self.config.duplicates.match.duplicate_option,
            run.stats,
            look_up=lambda: bool(self._find(plan.lead, run)),
            note_lost=note_lost,
        )
        response = answer.response
        if response.status_code == 409:
            run.contact_id = self._conflict_contact_id(response, run, plan.lead.email)
            self._update_existing(run, plan, body)
            return
        run.contact_id = created_contact_id(response)
        run.duplicate = _upserted_existing(response.status_code, answer.existed)
        if lost and answer.existed is None and run.duplicate:
            self._decide_new_after_lost_answer(run, plan)
        detail = "updated existing" if run.duplicate else "created"
        run.step("contact", StepStatus.OK, detail, http_status=response.status_code)

    def _decide_new_after_lost_answer(self, run: Run, plan: Plan) -> None:
        """The re-sent upsert answered "existing", but the lost call may have created the
        contact: its creation time against the lead's start decides (as ``--resume`` does),
        so that ``when: new`` tags and sequences still run for a contact this lead made."""
        created = self._creation_time(run, plan)
        if created is not None and run.started_at is not None:
            if created >= run.started_at - CLOCK_SKEW_MARGIN:
                run.duplicate = False
                run.warnings.append(
                    "a response from Keap was lost and the upsert re-sent; the contact was "
                    "created after this lead started, so it is new (duplicate=false)"
                )
            return
        run.warnings.append(
            "a response from Keap was lost and the upsert re-sent; the contact may have "
            "been created by the lost call, so duplicate=true is uncertain"
        )

    def _creation_time(self, run: Run, plan: Plan) -> datetime | None:
        if not plan.lead.email:
            return None
        found = self.client.find_contacts(
            plan.lead.email, fields="create_time,update_time", stats=run.stats
        )
        for contact in found:
            if str(contact.get("id")) == run.contact_id:
                return contact_time(contact, "date_created", "create_time")
        return None

    def _update_existing(self, run: Run, plan: Plan, body: dict[str, Any]) -> None:
        """PATCH the contact in ``run.contact_id`` honouring update/preserve rules."""
        assert run.contact_id
        existing = None
        if self.config.existing_contacts.restricted:
            existing = self.client.get_contact(run.contact_id, stats=run.stats)
        patch = restrict_for_existing(
            body, self.config, existing, lambda ref: str(self.names.custom_field_ref(ref, run))
        )
        if patch:
            response = self.client.request(
                "PATCH", f"/{self.client.v}/contacts/{run.contact_id}", json=patch, stats=run.stats
            )
            status = response.status_code
        else:
            status = None
        run.duplicate = True
        run.step("contact", StepStatus.OK, "updated existing", http_status=status)

    def _conflict_contact_id(self, response: httpx.Response, run: Run, email: str | None) -> str:
        """The existing contact's id from a 409 body, or from a look-up by email."""
        try:
            body = response.json()
        except ValueError:
            body = None
        found = existing_contact_id(body)
        if found:
            return found
        if email:
            matches = self.client.find_contacts(email, stats=run.stats)
            if matches:
                return str(matches[0]["id"])
        raise KeapRejected(
            "Keap answered 409 (conflict) and the existing contact could not be found",
            status=409,
        )


def _upserted_existing(status: int, existed: bool | None) -> bool:
    """An upsert's ``duplicate`` flag: 201 is created; else what the version knew, else True."""
    if status == 201:
        return False
    return True if existed is None else existed
