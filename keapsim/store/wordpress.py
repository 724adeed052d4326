"""WordPress opt-in options (v2 ``/integrations/wordpress/options``): the keys a WordPress
site's opt-in forms name; achieving one achieves every published campaign goal of type
``WordPress`` whose call name is the key (those goals come from seed data and scenario files)."""

from __future__ import annotations

from ..datarecord import record_class
from .base import Lookup, Query, Table
from .campaigns import WORDPRESS_GOAL, WORDPRESS_INTEGRATION
from .errors import Conflict, Invalid, NotFound
from .indexes import HashIndex
from .resource import RecordStore

KIND = "WordPress Opt-In Option"


@record_class
class WordPressOptInOption:
    id: int
    key: str
    name: str | None = None


class WordPressOptionStore(RecordStore[WordPressOptInOption]):
    record_type = WordPressOptInOption

    def make_table(self) -> Table[WordPressOptInOption]:
        return Table(
            self.core,
            kind=KIND,
            id_kind="wordpress_option",
            # No source names a hook event for these options; the noun is keapsim's own.
            noun="wordpressOptInOption",
            indexes=[HashIndex[WordPressOptInOption]("key", lambda o: (o.key,))],
        )

    def by_key(self, key: str) -> WordPressOptInOption:
        found = self.table.select(Query(lookups=[Lookup("key", "eq", key)]))
        if not found:
            raise NotFound(KIND, key)
        return found[0]

    def create(self, key: str, name: str | None = None) -> WordPressOptInOption:
        """ "The unique identifier of the opt-in option, which must be an alphanumeric string"
        (CreateIntegrationsWordPressOptInOption.key); a key in use is a Conflict (409)."""
        if not isinstance(key, str) or not key.isascii() or not key.isalnum():
            raise Invalid("key must be an alphanumeric string", field="key")
        if name is not None and len(name) > 255:
            raise Invalid("name exceeds the maximum length of 255", field="name")
        with self.core.write():
            try:
                existing = self.by_key(key)
            except NotFound:
                option = WordPressOptInOption(self.table.new_id(), key, name)
                return self.table.add(option)
            raise Conflict(f"The opt-in option {key} already exists", existing.id, kind=KIND)

    def delete_key(self, key: str) -> None:
        with self.core.write():
            self.table.remove(self.by_key(key).id)

    def achieve(self, key: str, contact_id: int) -> int:
        """The contact opts in through the option: returns how many goals it achieved."""
        with self.core.write():
            self.by_key(key)
            results = self.tenant.campaigns.achieve_goal(
                WORDPRESS_INTEGRATION, key, contact_id, goal_type=WORDPRESS_GOAL
            )
            return len(results)
