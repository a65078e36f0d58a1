//! Thin #[tauri::command] functions: parse, call the core crate, map errors to `UserError`.

use crate::AppState;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub data_dir: String,
}

#[tauri::command]
pub fn app_info(state: tauri::State<'_, AppState>) -> AppInfo {
    AppInfo {
        name: "Avstem".into(),
        version: avstem_core::VERSION.into(),
        data_dir: state.ctx.data_dir.display().to_string(),
    }
}
