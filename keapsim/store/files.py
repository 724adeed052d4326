"""Files: uploaded bytes kept in memory, with a per-tenant storage cap.

Both documents describe one file box (v1 ``FileUpload``/``FileInformation``, v2
``FileMetadata``); the store keeps the bytes and the metadata once and each API version shows
its own view. The cap (``TenantSettings.file_storage_bytes``) bounds the bytes a tenant keeps;
an upload or replacement beyond it is refused with :class:`TooLarge` (413) and changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query, Table
from .errors import Invalid, TooLarge
from .indexes import HashIndex
from .resource import RecordStore

# v1 ``FileUpload.file_association`` (also the v2 ``file_association`` part).
ASSOCIATIONS = ("CONTACT", "USER", "COMPANY")
# keapsim's choice (no document says which file box an API upload lands in): a contact's file
# goes to the CONTACT box, the others to the APPLICATION box; all are DOCUMENTS.
BOX_OF_ASSOCIATION = {"CONTACT": "CONTACT", "USER": "APPLICATION", "COMPANY": "APPLICATION"}
DEFAULT_CATEGORY = "DOCUMENTS"


@record_class
class StoredFile:
    id: int
    file_name: str
    data: bytes
    association: str  # CONTACT, USER or COMPANY
    contact_id: int | None
    is_public: bool
    created_by: int
    date_created: datetime
    last_updated: datetime
    category: str = DEFAULT_CATEGORY  # v2 spelling (upper snake case)
    file_box_type: str = "APPLICATION"  # v2 spelling

    @property
    def size(self) -> int:
        return len(self.data)


class FileStore(RecordStore[StoredFile]):
    record_type = StoredFile

    def make_table(self) -> Table[StoredFile]:
        by_contact = HashIndex[StoredFile](
            "contact_id", lambda f: () if f.contact_id is None else (f.contact_id,)
        )
        return Table(self.core, kind="File", id_kind="file", noun="file", indexes=[by_contact])

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Any) -> None:
        # A deleted contact's files go with it, like its notes.
        for stored in self.of_contact(contact.id):
            self.table.remove(stored.id)

    def of_contact(self, contact_id: int) -> list[StoredFile]:
        return list(self.select(Query(lookups=[Lookup("contact_id", "eq", contact_id)])))

    def stored_bytes(self) -> int:
        """The bytes every file of the tenant holds together."""
        with self.core.lock:
            return sum(stored.size for stored in self.table.values())

    def create(
        self,
        file_name: str,
        data: bytes,
        *,
        association: str,
        contact_id: int | None = None,
        is_public: bool = False,
    ) -> StoredFile:
        self._check_name(file_name)
        self._check_association(association, contact_id)
        with self.core.write():
            if association == "CONTACT":
                self._check_contact(contact_id)
            self._check_room(len(data), freed=0)
            now = self.core.now()
            stored = StoredFile(
                self.table.new_id(),
                file_name,
                data,
                association,
                contact_id if association == "CONTACT" else None,
                is_public,
                self.tenant.users.account_owner().id,
                now,
                now,
                file_box_type=BOX_OF_ASSOCIATION[association],
            )
            return self.table.add(stored)

    def update(
        self,
        file_id: int,
        *,
        data: bytes | None = None,
        file_name: str | None = None,
        is_public: bool | None = None,
        association: str | None = None,
        contact_id: int | None = None,
    ) -> StoredFile:
        """Replace the bytes and/or change the name, visibility or association (``None``: left
        as it is). A new association other than CONTACT drops the contact."""
        with self.core.write():
            stored = self.get(file_id)
            changes: dict[str, Any] = {}
            if file_name is not None:
                self._check_name(file_name)
                changes["file_name"] = file_name
            if is_public is not None:
                changes["is_public"] = is_public
            if association is not None or contact_id is not None:
                changes.update(self._placement(stored, association, contact_id))
            if data is not None:
                self._check_room(len(data), freed=stored.size)
                changes["data"] = data
            return self.table.replace(replace(stored, last_updated=self.core.now(), **changes))

    def _placement(
        self, stored: StoredFile, association: str | None, contact_id: int | None
    ) -> dict[str, Any]:
        """The association, contact and file box a change of either leaves the file with."""
        association = association or stored.association
        contact_id = contact_id if contact_id is not None else stored.contact_id
        self._check_association(association, contact_id)
        if association == "CONTACT":
            self._check_contact(contact_id)
        else:
            contact_id = None
        return {
            "association": association,
            "contact_id": contact_id,
            "file_box_type": BOX_OF_ASSOCIATION[association],
        }

    def move_to_contact(self, from_contact: int, to_contact: int) -> None:
        """A merge: the duplicate's files become the primary contact's."""
        with self.core.write():
            for stored in self.of_contact(from_contact):
                self.table.replace(replace(stored, contact_id=to_contact))

    # -- checks ---------------------------------------------------------------------------------
    @staticmethod
    def _check_name(file_name: object) -> None:
        if not isinstance(file_name, str) or not file_name.strip():
            raise Invalid("file_name is required", field="file_name")
        if len(file_name) > 255:
            raise Invalid("file_name exceeds the maximum length of 255", field="file_name")

    @staticmethod
    def _check_association(association: str, contact_id: int | None) -> None:
        if association not in ASSOCIATIONS:
            raise Invalid(
                f"file_association must be one of {', '.join(ASSOCIATIONS)}",
                field="file_association",
            )
        # v1 document: "`contact_id` is required only when `file_association` is `CONTACT`".
        if association == "CONTACT" and contact_id is None:
            raise Invalid(
                "contact_id is required when file_association is CONTACT", field="contact_id"
            )

    def _check_contact(self, contact_id: int | None) -> None:
        if contact_id is None or not self.tenant.contacts.exists(contact_id):
            raise Invalid(f"Contact {contact_id} does not exist", field="contact_id")

    def _check_room(self, size: int, *, freed: int) -> None:
        cap = self.tenant.settings.file_storage_bytes
        total = self.stored_bytes() - freed + size
        if total > cap:
            raise TooLarge(
                f"File storage limit exceeded: the tenant may keep {cap} bytes of files "
                f"(setting file_storage_bytes); this upload would make {total}"
            )
