//! Payouts ↔ dates ↔ entries, captures ↔ fees, and the checks. Pure functions, no I/O. STUB.
