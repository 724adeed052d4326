"""API adapters: Keap's v1 and v2 wire shapes, paging and error bodies over the domain store."""
