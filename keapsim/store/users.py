"""Users: Keap invites a user created through the API; every account has its owner."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .base import Lookup, Query, Table, fold
from .errors import Invalid
from .indexes import HashIndex
from .records import User
from .resource import RecordStore


class UserStore(RecordStore[User]):
    record_type = User

    def make_table(self) -> Table[User]:
        email = HashIndex[User]("email", lambda u: (fold(u.email_address),))
        admins = HashIndex[User]("admin", lambda u: (True,) if u.admin else ())
        return Table(self.core, kind="User", id_kind="user", noun="user", indexes=[email, admins])

    def create(
        self,
        email: str,
        given_name: str,
        family_name: str | None = None,
        *,
        admin: bool = False,
        partner: bool = False,
        status: str = "Invited",
    ) -> User:
        """Keap invites a user created through the API; it stays Invited (facts §3.5)."""
        if not email or "@" not in email:
            raise Invalid("email is required", field="email")
        if not given_name:
            raise Invalid("given_name is required", field="given_name")
        with self.core.write():
            if self.select(Query(lookups=[Lookup("email", "eq", fold(email))])):
                raise Invalid("A user with this email address already exists", field="email")
            now = self.core.now()
            user_id = self.table.new_id()
            user = User(
                user_id,
                email,
                given_name,
                family_name,
                status,
                admin,
                partner,
                now,
                now,
                global_user_id=100_000 + user_id,
            )
            return self.table.add(user)

    def update(self, user_id: int, **changes: Any) -> User:
        with self.core.write():
            user = self.get(user_id)
            email = changes.get("email_address")
            if email is not None and fold(email) != fold(user.email_address):
                if self.select(Query(lookups=[Lookup("email", "eq", fold(email))])):
                    raise Invalid(
                        "A user with this email address already exists", field="email_address"
                    )
            return self.table.replace(replace(user, last_updated=self.core.now(), **changes))

    def add_account_owner(self) -> User:
        """A Keap account always has its owner: an Active admin user (user 1 of a new or reset
        tenant) with an address made from the tenant id (deterministic, so tests can rely on it)."""
        return self.create(
            f"owner@{self.tenant.id}.example.com", "Account", "Owner", admin=True, status="Active"
        )

    def account_owner(self) -> User:
        """The account's owner: its first admin user (user 1 unless a snapshot says otherwise).

        Every tenant gets its owner when it is made or reset; the owner is added again here
        only for a state document saved before keapsim did that (it has no admin user).
        """
        with self.core.write():
            admins = self.select(Query(lookups=[Lookup("admin", "eq", True)]))
            return admins[0] if admins else self.add_account_owner()

    def check_exists(self, user_id: int | None, field: str) -> None:
        """A user id inside a body that names no user is bad input (400), not a 404."""
        if user_id is not None and user_id not in self.table:
            raise Invalid(f"User {user_id} does not exist", field=field)
