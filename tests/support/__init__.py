"""Helpers shared by more than one test folder (``tests/`` is on ``sys.path`` under pytest's
default import mode, so they import as ``support.<module>``)."""
