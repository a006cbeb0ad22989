"""The Azure part of the benchmark: a seeded tenant of storage accounts served by a local
Resource Manager (tests/support/arm_server, indexed for thousands of accounts)."""
