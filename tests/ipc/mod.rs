//! The window on Tauri's mock runtime, for the IPC tests (`commands_*.rs`): the real app builder and
//! capability file, secrets in memory, and a call as the web view makes it.
#![allow(dead_code)] // each test binary uses its own part

use avstem_core::context::Context;
use avstem_core::secrets::{Secret, SecretKind, SecretStore};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tauri::test::MockRuntime;
use tauri::WebviewWindow;

/// Secrets in memory: these tests never touch the OS keyring.
#[derive(Default)]
pub struct MemorySecrets(Mutex<HashMap<(String, &'static str), String>>);

impl SecretStore for MemorySecrets {
    fn get(&self, profile: &str, kind: SecretKind) -> avstem_core::Result<Secret> {
        let map = self
            .0
            .lock()
            .map_err(|_| avstem_core::Error::Keyring("poisoned".into()))?;
        map.get(&(profile.to_string(), kind.as_str()))
            .map(|s| Secret::new(s.clone()))
            .ok_or_else(|| avstem_core::Error::Keyring(format!("no {} for {profile}", kind.as_str())))
    }
    fn set(&self, profile: &str, kind: SecretKind, secret: &Secret) -> avstem_core::Result<()> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| avstem_core::Error::Keyring("poisoned".into()))?;
        map.insert((profile.to_string(), kind.as_str()), secret.expose().to_string());
        Ok(())
    }
    fn delete(&self, profile: &str, kind: SecretKind) -> avstem_core::Result<()> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| avstem_core::Error::Keyring("poisoned".into()))?;
        map.remove(&(profile.to_string(), kind.as_str()));
        Ok(())
    }
}

pub struct Window {
    _app: tauri::App<MockRuntime>,
    pub main: WebviewWindow<MockRuntime>,
    pub ctx: Context,
    pub invoke_key: String,
    _dir: tempfile::TempDir,
}

pub fn open_window() -> Window {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = Context::with_secret_store(dir.path().join("data"), Arc::new(MemorySecrets::default()));
    // The real context: the real capability file decides which commands the window may call.
    let app = avstem_app::builder::<MockRuntime>(ctx.clone())
        .build(tauri::generate_context!())
        .expect("app builds on the mock runtime");
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    let invoke_key = app.invoke_key().to_string();
    Window {
        invoke_key,
        _app: app,
        main,
        ctx,
        _dir: dir,
    }
}

impl Window {
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = tauri::webview::InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: self.invoke_key.clone(),
        };
        tauri::test::get_ipc_response(&self.main, request)
            .map(|body| body.deserialize::<Value>().expect("json answer"))
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        match self.invoke(cmd, args) {
            Ok(v) => v,
            Err(e) => panic!("{cmd} failed: {e}"),
        }
    }
}

/// An amount in minor units from an answer.
pub fn minor(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an amount: {v}"))
}

/// A list from an answer.
pub fn rows(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not a list: {v}"))
}
