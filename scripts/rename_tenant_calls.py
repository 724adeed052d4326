"""One-off migration for branches written against the old ``Tenant`` methods (before the store
split): rewrites ``<receiver>.get_contact(`` to ``<receiver>.contacts.get(`` and so on, in the
files given. Review the diff: a non-tenant object with a method of the same name (the
connector's client has ``get_contact``) must be put back by hand. Delete after wave 2 merges.

    python scripts/rename_tenant_calls.py $(git ls-files 'keapsim/*.py' 'tests/*.py' 'bench/*.py')
"""

import re
import sys

MAP = {
    "get_contact": "contacts.get",
    "has_contact": "contacts.exists",
    "find_by_email": "contacts.find_by_email",
    "create_contact": "contacts.create",
    "upsert_contact": "contacts.upsert",
    "update_contact": "contacts.update",
    "delete_contact": "contacts.delete",
    "iter_contacts": "contacts.list",
    "query_contacts": "contacts.query",
    "create_tag_category": "tag_categories.create",
    "get_tag_category": "tag_categories.get",
    "update_tag_category": "tag_categories.update",
    "delete_tag_category": "tag_categories.delete",
    "create_tag": "tags.create",
    "get_tag": "tags.get",
    "update_tag": "tags.update",
    "delete_tag": "tags.delete",
    "list_tags": "tags.list_by",
    "apply_tags": "tags.apply",
    "tag_contacts_apply": "tags.apply_to_contacts",
    "remove_tag": "tags.unlink",
    "remove_tags": "tags.remove",
    "tag_contacts_remove": "tags.remove_from_contacts",
    "tags_of": "tags.of_contact",
    "contacts_with_tag": "tags.contacts_with",
    "create_campaign": "campaigns.create",
    "get_campaign": "campaigns.get",
    "get_sequence": "campaigns.sequence",
    "add_to_sequence": "campaigns.add_to_sequence",
    "remove_from_sequence": "campaigns.remove_from_sequence",
    "sequence_contacts": "campaigns.sequence_contacts",
    "sequences_of": "campaigns.sequences_of",
    "achieve_goal": "campaigns.achieve_goal",
    "achieve_goal_by_id": "campaigns.achieve_goal_by_id",
    "create_note": "notes.create",
    "get_note": "notes.get",
    "update_note": "notes.update",
    "delete_note": "notes.delete",
    "list_notes": "notes.list_by",
    "create_user": "users.create",
    "get_user": "users.get",
    "update_user": "users.update",
    "account_owner": "users.account_owner",
    "list_users": "users.list",
    "create_lead_source_category": "lead_source_categories.create",
    "get_lead_source_category": "lead_source_categories.get",
    "create_lead_source": "lead_sources.create",
    "get_lead_source": "lead_sources.get",
    "update_lead_source": "lead_sources.update",
    "delete_lead_source": "lead_sources.delete",
    "list_lead_sources": "lead_sources.list",
    "create_custom_field": "custom_fields.create",
    "get_custom_field": "custom_fields.get",
    "delete_custom_field": "custom_fields.delete",
    "list_custom_fields": "custom_fields.list",
}
pat = re.compile(r"\.(" + "|".join(sorted(MAP, key=len, reverse=True)) + r")\(")
for path in sys.argv[1:]:
    s = open(path).read()
    n = pat.sub(lambda m: "." + MAP[m.group(1)] + "(", s)
    if n != s:
        open(path, "w").write(n)
        print("changed", path)
