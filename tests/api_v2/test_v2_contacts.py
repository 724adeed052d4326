def test_v2_accepts_a_contact_with_only_an_address(keapsim) -> None:
    """v2's create description: at least one of email_addresses, phone_numbers or addresses."""
    client = keapsim.client()
    address = {
        "line1": "1 Main St",
        "locality": "Phoenix",
        "region_code": "US-AZ",
        "country_code": "USA",
        "field": "BILLING",
    }
    created = client.post(
        "/v2/contacts",
        params={"fields": "addresses"},
        json={"given_name": "Addy", "addresses": [address]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["addresses"][0]["region_code"] == "US-AZ"
    # v1 still needs an email or a phone.
    v1 = client.post(
        "/v1/contacts",
        json={
            "given_name": "Addy",
            "addresses": [
                {"line1": "1 Main St", "region": "AZ", "country_code": "USA", "field": "BILLING"}
            ],
        },
    )
    assert v1.status_code == 400
    assert v1.json() == {"message": "Contact must contain an e-mail address or phone number"}
