"""The README's pytest examples, verbatim: they must keep working."""


def test_my_integration_creates_a_contact(keapsim, keap_client):
    response = keap_client.post(
        "/v1/contacts",
        json={
            "given_name": "Ada",
            "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}],
        },
    )
    assert response.status_code == 201
    assert keapsim.tenant().contacts.find_by_email("ada@example.com")  # the domain store, directly
    keapsim.journal.assert_called(method="POST", path="/crm/rest/v1/contacts", times=1)


def test_my_client_refreshes_an_expired_token(keapsim):
    client = keapsim.client(auth="bearer")  # Authorization: Bearer <token>
    keapsim.clock.advance(24 * 3600)  # the access token has expired
    assert client.get("/v1/contacts").status_code == 401
