"""docs/simulator/hooks.md: every Python block runs as written (the pytest example is run by
pytest from the copy below, as the README's examples are)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from keapsim.config import TenantSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator" / "hooks.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
SCRIPTS = [block for block in BLOCKS if "def test_" not in block]


@pytest.mark.parametrize("number", range(len(SCRIPTS)))
def test_the_python_blocks_run(number: int) -> None:
    exec(compile(SCRIPTS[number], f"{DOC.name} block {number + 1}", "exec"), {})


def test_the_pytest_example_is_copied_here_verbatim() -> None:
    [example] = [block for block in BLOCKS if "def test_" in block]
    source = Path(__file__).read_text()
    body = example[example.index("@pytest.mark.keapsim") :]
    assert body in source


# -- the doc's pytest example, verbatim ------------------------------------------------------
@pytest.mark.keapsim(settings=TenantSettings(throttle=False, hooks={"delay": "immediate"}))
def test_my_receiver_gets_new_contacts(keapsim, keap_client, keap_hook_receiver):
    keap_client.post(
        "/v1/hooks", json={"eventKey": "contact.add", "hookUrl": keap_hook_receiver.url}
    )
    keap_client.post(
        "/v1/contacts",
        json={"email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}]},
    )
    keapsim.hooks.flush()  # "immediate": due at once
    assert keap_hook_receiver.object_ids("contact.add") == [1]
