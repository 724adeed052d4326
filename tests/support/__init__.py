"""Helpers shared by more than one test module. ``tests/`` is on ``sys.path`` (``pythonpath`` in
pyproject.toml), so they import as ``support.<module>``; tests never import a ``conftest``."""
