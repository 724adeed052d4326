"""Forgiving header matching, the fields: map, typed values and delimiter detection."""

from __future__ import annotations

import fcntl
import os
from decimal import Decimal
from pathlib import Path

import pytest

from connector.batch import read_leads
from connector.client.auth import TokenStore
from connector.fields import FieldMap, typed


@pytest.mark.parametrize(
    ("column", "field"),
    [
        ("Email", "email"),
        ("E-mail", "email"),
        ("Email Address", "email"),
        ("first name", "first_name"),
        ("FIRST_NAME", "first_name"),
        ("Zip", "postal_code"),
        ("Phone", "phone_1"),
        ("Mobile", "phone_1"),
        ("Referring URL", "referring_url"),
    ],
)
def test_header_names_match_ignoring_case_blanks_dashes_and_aliases(column, field):
    assert FieldMap().target(column) == field


def test_the_flows_map_wins_and_other_columns_keep_a_snake_case_name():
    fields = FieldMap({"Contact E-Mail": "email", "Phone": "phone_2"})
    lead = fields.apply({"Contact e-mail": "a@x.co", "Phone": "1", "Lead Score": "85"})
    assert lead["email"] == "a@x.co" and lead["phone_2"] == "1"
    assert lead["lead_score"] == 85 and lead["Lead Score"] == 85


@pytest.mark.parametrize(
    ("text", "value"),
    [("85", 85), ("-3", -3), ("12.50", Decimal("12.50")), ("TRUE", True), ("false", False)],
)
def test_plain_numbers_and_booleans_are_typed(text, value):
    assert typed(text) == value and type(typed(text)) is type(value)


@pytest.mark.parametrize("text", ["08730", "555-0123", "1e5", " ", "12,5", "+1"])
def test_other_text_stays_text(text):
    assert typed(text) == text


def test_standard_fields_stay_text():
    assert FieldMap().apply({"Zip": "08730", "phone": "5550123"}) == {
        "postal_code": "08730",
        "phone_1": "5550123",
    }


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_the_delimiter_is_found_and_kept_for_the_dead_letter_file(tmp_path: Path, sep: str):
    path = tmp_path / "in.csv"
    path.write_text(f'Email{sep}"Name{sep}Full"\na@x.co{sep}"A{sep}B"\n')
    leads = read_leads(path)
    assert leads.delimiter == sep
    assert leads.records[0].lead == {"Email": "a@x.co", f"Name{sep}Full": f"A{sep}B"}


def test_the_token_store_lock_excludes_other_processes(tmp_path: Path):
    store = TokenStore(tmp_path / "tokens.json")
    with store.locked():
        # flock locks belong to an open file: another open (as another process makes) is refused
        fd = os.open(store.lock_path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(store.lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again once released
    finally:
        os.close(fd)
