"""Realistic lead files made with Faker (seeded, so files are reproducible).

Used by the end-to-end tests and to make ``connector/samples/leads.csv``:

    python -m tests.batch.leadgen connector/samples/leads.csv --count 50 --seed 7
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from faker import Faker

COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "phone_1",
    "address_1",
    "city",
    "state",
    "postal_code",
    "country",
    "title",
    "website",
    "comments",
    "utm_source",
    "utm_medium",
    "utm_campaign",
]
# Area codes phonenumbers accepts as valid US numbers (555-01xx is reserved for fiction).
AREA_CODES = ["212", "312", "415", "602", "617", "713", "808", "919"]
COMMENTS = [
    "Interested in a demo next week.",
    "Asked about pricing for 10 seats.",
    "Downloaded the buyer's guide.",
    "Please call after 3pm.",
    "",
    "",
]
UTM = [("google", "cpc", "fall-promo"), ("facebook", "social", "retargeting"), ("", "", "")]


@dataclass
class LeadSet:
    rows: list[dict[str, str]]
    #: index in rows -> expected kind: valid | duplicate | invalid | skip | broken
    kinds: list[str] = field(default_factory=list)


def _valid(fake: Faker, rng: random.Random, used: set[str]) -> dict[str, str]:
    first, last = fake.first_name(), fake.last_name()
    domain = rng.choice(["example.com", "example.org", "example.net"])
    email = f"{first}.{last}@{domain}".lower().replace("'", "")
    n = 2
    while email in used:
        email = f"{first}.{last}{n}@{domain}".lower().replace("'", "")
        n += 1
    used.add(email)
    src, medium, campaign = rng.choice(UTM)
    return {
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone_1": f"({rng.choice(AREA_CODES)}) 555-01{rng.randint(0, 99):02d}",
        "address_1": fake.street_address(),
        "city": fake.city(),
        "state": fake.state_abbr(include_territories=False, include_freely_associated_states=False),
        "postal_code": fake.zipcode(),
        "country": "US",
        "title": fake.job()[:60],
        "website": rng.choice(["", f"https://www.{fake.domain_word()}.example.com"]),
        "comments": rng.choice(COMMENTS),
        "utm_source": src,
        "utm_medium": medium,
        "utm_campaign": campaign,
    }


def make_leads(
    count: int,
    *,
    seed: int = 7,
    duplicates: int = 0,
    invalid: int = 0,
    skips: int = 0,
    broken: int = 0,
) -> LeadSet:
    """``count`` leads in all; the special ones are spread through the file."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    special = ["duplicate"] * duplicates + ["invalid"] * invalid + ["skip"] * skips
    special += ["broken"] * broken
    kinds = ["valid"] * (count - len(special)) + special
    head, tail = kinds[:10], kinds[10:]
    rng.shuffle(tail)
    kinds = head + tail  # the first ten are valid so duplicates have something to repeat
    rows: list[dict[str, str]] = []
    valid_rows: list[dict[str, str]] = []
    used: set[str] = set()
    bad = [
        ("email", "not-an-email"),
        ("email", "maria.garcia@"),
        ("phone_1", "12345"),
        ("state", "Narnia"),
        ("postal_code", "ABCDE"),
    ]
    for i, kind in enumerate(kinds):
        if kind == "duplicate":
            # Same person again, from another form: same e-mail (other case), new phone.
            base = dict(rng.choice(valid_rows))
            base["email"] = base["email"].upper() if rng.random() < 0.5 else base["email"]
            base["phone_1"] = f"({rng.choice(AREA_CODES)}) 555-01{rng.randint(0, 99):02d}"
            base["comments"] = "Submitted the form again."
            rows.append(base)
            continue
        row = _valid(fake, rng, used)
        if kind == "valid":
            valid_rows.append(row)
        elif kind == "invalid":
            key, value = bad[i % len(bad)]
            row[key] = value
        elif kind == "skip":
            row["email"] = ""
            row["phone_1"] = ""
        rows.append(row)
    return LeadSet(rows=rows, kinds=kinds)


def write_csv(path: Path, leads: LeadSet) -> Path:
    """Write the file; ``broken`` rows are written with a missing column (a broken line)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row, kind in zip(leads.rows, leads.kinds, strict=True):
            values = [row[c] for c in COLUMNS]
            writer.writerow(values[:-2] if kind == "broken" else values)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    leads = make_leads(args.count, seed=args.seed, duplicates=3, invalid=3, skips=1, broken=1)
    write_csv(args.path, leads)


if __name__ == "__main__":
    main()
