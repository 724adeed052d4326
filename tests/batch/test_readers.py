from __future__ import annotations

from pathlib import Path

import pytest

from connector.batch import InputFileError, read_leads


def test_csv_with_header_bom_and_quoted_multiline_field(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(
        "\ufefffirst_name,email,comments\r\n"
        'Ada,ada@example.com,"two\r\nlines"\r\n'
        "\r\n"
        "Bob,bob@example.com,hi\r\n".encode()
    )
    src = read_leads(path)
    assert src.format == "csv"
    assert src.header == ["first_name", "email", "comments"]
    assert [r.line for r in src] == [2, 5]
    assert src.records[0].lead == {
        "first_name": "Ada",
        "email": "ada@example.com",
        "comments": "two\r\nlines",
    }
    assert all(r.ok for r in src)


def test_missing_header_names_line_1(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Ada,ada@example.com\nBob,bob@example.com\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 1: missing or invalid header.*looks like data"):
        read_leads(path)


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="empty"):
        read_leads(empty)
    with pytest.raises(InputFileError, match="no such file"):
        read_leads(tmp_path / "nope.csv")


def test_bad_lines_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(
        b"first_name,email\n"
        b"Ada,ada@example.com\n"
        b"Jos\xe9,jose@example.com\n"  # latin-1, not UTF-8
        b"Too,many,fields\n"
        b'Open,"never closed\n'
        b"Bob,bob@example.com\n"
        b'Bad,"x"y\n'
        b"Eve,eve@example.com\n"
    )
    src = read_leads(path)
    by_line = {r.line: r for r in src}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8]
    assert by_line[2].ok and by_line[6].ok and by_line[8].ok
    assert "not valid utf-8 text (byte 0xe9 at column 4)" in (by_line[3].error or "")
    assert "expected 2 fields as in the header (line 1), found 3" in (by_line[4].error or "")
    assert "never closed" in (by_line[5].error or "")
    assert "broken CSV line" in (by_line[7].error or "")


def test_latin1_file_reads_with_encoding_option(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("first_name,email\nJosé,jose@example.com\n".encode("latin-1"))
    assert not read_leads(path).records[0].ok
    rec = read_leads(path, encoding="latin-1").records[0]
    assert rec.ok and rec.lead == {"first_name": "José", "email": "jose@example.com"}


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("first_name,email\nZoë,zoe@example.com\n".encode("utf-16"))
    src = read_leads(path)
    assert src.records[0].lead == {"first_name": "Zoë", "email": "zoe@example.com"}


def test_jsonl_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "leads.jsonl"
    path.write_text(
        '{"email": "a@example.com"}\n'
        "\n"
        '{"email": "b@example.com",}\n'
        "[1, 2]\n"
        '{"email": "c@example.com"}\n',
        encoding="utf-8",
    )
    src = read_leads(path)
    assert src.format == "jsonl" and src.header is None
    assert [(r.line, r.ok) for r in src] == [(1, True), (3, False), (4, False), (5, True)]
    assert "not valid JSON" in (src.records[1].error or "")
    assert "expected a JSON object per line, found list" in (src.records[2].error or "")


def test_format_sniffed_without_extension(tmp_path: Path) -> None:
    j = tmp_path / "leads.txt"
    j.write_text('{"email": "a@example.com"}\n', encoding="utf-8")
    c = tmp_path / "leads.dat"
    c.write_text("email\na@example.com\n", encoding="utf-8")
    assert read_leads(j).format == "jsonl"
    assert read_leads(c).format == "csv"


def test_keys_are_stable_and_distinct_for_identical_rows(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("email,first_name\nx@example.com,X\nx@example.com,X\ny@example.com,Y\n")
    b = tmp_path / "b.jsonl"
    b.write_text(
        '{"first_name": "Q", "email": "q@example.com"}\n'
        '{"first_name":"X","email":"x@example.com"}\n'
    )
    ka = [r.key for r in read_leads(a)]
    assert len(set(ka)) == 3
    assert ka[1] == ka[0] + "#2"
    # same lead content, different line and key order -> same key
    assert read_leads(b).records[1].key == ka[0]


def test_json_array_file_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "leads.json"
    path.write_text('[\n  {"email": "a@example.com"}\n]\n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 1: this is a JSON array.*jq -c"):
        read_leads(path)


def test_shipped_sample_file() -> None:
    """connector/samples/leads.csv: ~50 realistic leads with a few duplicates and bad ones."""
    from collections import Counter

    from connector.validation import LeadInvalid, LeadSkipped, normalise_lead

    sample = Path(__file__).resolve().parents[2] / "connector" / "samples" / "leads.csv"
    src = read_leads(sample)
    assert len(src) == 50 and src.header is not None and "email" in src.header
    broken = [r for r in src if not r.ok]
    assert [r.line for r in broken] == [22]
    kinds: Counter[str] = Counter()
    for rec in src:
        if rec.ok:
            try:
                normalise_lead(rec.lead or {})
                kinds["valid"] += 1
            except LeadInvalid:
                kinds["invalid"] += 1
            except LeadSkipped:
                kinds["skip"] += 1
    assert kinds == {"valid": 45, "invalid": 3, "skip": 1}
    emails = Counter((r.lead or {})["email"].lower() for r in src if r.ok)
    assert sum(n - 1 for e, n in emails.items() if n > 1 and "@example." in e) == 3
