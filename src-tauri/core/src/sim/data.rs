//! Deterministic ledgers and entries from a seed. STUB.
