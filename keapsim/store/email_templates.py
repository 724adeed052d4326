"""Email templates and note templates (seed data: the API has no create operation)."""

from __future__ import annotations

from dataclasses import field

from ..datarecord import record_class
from .resource import DeclaredStore, Field, ResourceSpec


@record_class
class EmailTemplate:
    id: int
    piece_title: str
    subject: str | None = None
    categories: list[str] = field(default_factory=list)
    from_address: str | None = None
    to_address: str | None = None
    cc_address: str | None = None
    bcc_address: str | None = None
    text_body: str | None = None
    html_body: str | None = None
    content_type: str = "HTML"
    merge_context: str | None = None


EMAIL_TEMPLATE_SPEC = ResourceSpec(
    record=EmailTemplate,
    kind="Email Template",
    id_kind="email_template",
    noun="emailTemplate",  # keapsim's own (templates change only through seed data)
    fields=(
        Field("piece_title", required=True),
        Field("subject"),
        Field("categories", list, factory=list),
        Field("from_address"),
        Field("to_address"),
        Field("cc_address"),
        Field("bcc_address"),
        Field("text_body"),
        Field("html_body"),
        Field("content_type", default="HTML", choices=("TEXT", "HTML", "MULTIPART")),
        Field("merge_context"),
    ),
)


class EmailTemplateStore(DeclaredStore[EmailTemplate]):
    spec = EMAIL_TEMPLATE_SPEC


@record_class
class NoteTemplate:
    id: int
    title: str
    description: str | None = None
    action_type: str | None = None
    assignment_user_id: int | None = None
    notify_users: list[int] = field(default_factory=list)


NOTE_TEMPLATE_SPEC = ResourceSpec(
    record=NoteTemplate,
    kind="Note Template",
    id_kind="note_template",
    noun="noteTemplate",  # keapsim's own (templates change only through seed data)
    fields=(
        Field("title", required=True),
        Field("description"),
        Field("action_type"),
        Field("assignment_user_id", int, reference="users"),
        Field("notify_users", list, factory=list),
    ),
)


class NoteTemplateStore(DeclaredStore[NoteTemplate]):
    spec = NOTE_TEMPLATE_SPEC
