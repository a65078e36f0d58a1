//! Profiles (name, kind, client id, MSN, base URL) stored as JSON in the data directory;
//! their secrets live in the OS keyring. STUB.
