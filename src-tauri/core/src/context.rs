//! Where the app keeps its files, and how a command gets a store or an API client. STUB.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Context {
    pub data_dir: PathBuf,
}

impl Context {
    pub fn new(data_dir: PathBuf) -> Self {
        Context { data_dir }
    }
    pub fn cache_path(&self) -> PathBuf {
        self.data_dir.join("cache.sqlite")
    }
}
