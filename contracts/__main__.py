"""``python -m contracts verify --target sim``."""

from contracts.cli import contracts_group

if __name__ == "__main__":
    contracts_group(prog_name="python -m contracts")
