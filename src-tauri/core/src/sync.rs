//! What to fetch, in what order, with what retries: a plan as data, then its execution. STUB.
