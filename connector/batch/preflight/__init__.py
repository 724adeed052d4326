"""Before a batch: check the credential and what a flow refers to, and send a test lead.

- ``flow_check.py``: ``check_flow`` (``test-connection``) and its table; ``findings.py`` what
  it found, ``inventory.py`` the account's listings, ``references.py`` the flow compared with
  them.
- ``sent_lead.py``: ``send_test`` (``send-test-lead``) delivers a lead and reads the contact
  back; ``sent_lead_display.py`` prints the outcome.
"""

from connector.batch.preflight.findings import Findings
from connector.batch.preflight.flow_check import check_flow, print_preflight
from connector.batch.preflight.inventory import inventory
from connector.batch.preflight.references import check_references
from connector.batch.preflight.sent_lead import TEST_LEAD, TestLeadOutcome, send_test
from connector.batch.preflight.sent_lead_display import print_test_lead

__all__ = [
    "TEST_LEAD",
    "Findings",
    "TestLeadOutcome",
    "check_flow",
    "check_references",
    "inventory",
    "print_preflight",
    "print_test_lead",
    "send_test",
]
