// Capabilities live under src-tauri/capabilities (the crate root is the repo root), and app commands are
// declared so that only the ones a capability grants can be called from the window.
fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    println!("cargo:rerun-if-changed=ui/dist");
    let attrs = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "app_info",
            "list_profiles",
            "start_demo",
            "test_keys",
            "save_profile",
            "remove_profile",
            "cached_ledgers",
            "refresh_ledgers",
            "month_report",
            "day_entries",
            "day_summary",
            "payout_detail",
            "capture_detail",
            "search_entries",
            "sync_month",
            "cancel_sync",
            "choose_export_path",
            "suggest_export_path",
            "open_exported_file",
            "forget_personal_data",
            "export_month",
            "missing_dates",
            "choose_portal_files",
            "import_portal_files",
            "choose_statement_files",
            "preview_statement",
            "import_statements",
            "bank_month",
            "set_bank_text_format",
            "ledger_accounts",
            "save_ledger_accounts",
            "save_profile_accounts",
            "reset_ledger_accounts",
            "payout_bank",
            "decide_bank_line",
            "order_lines",
            "sales_by_rate",
            "month_sales",
            "clients_overview",
            "set_client_name",
            "choose_clients_folder",
            "clients_sync",
            "clients_export",
        ]));
    tauri_build::try_build(attrs).expect("tauri build script failed");
}
