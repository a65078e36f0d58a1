//! The window on Tauri's mock runtime, for the IPC tests (`commands_*.rs`): the real app builder and
//! capability file, secrets in memory, and a call as the web view makes it.
#![allow(dead_code)] // each test binary uses its own part

use avstem_core::context::Context;
use avstem_core::secrets::MemorySecrets;
use serde_json::Value;
use std::sync::Arc;
use tauri::test::MockRuntime;
use tauri::WebviewWindow;

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
