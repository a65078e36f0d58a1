//! The Avstem desktop shell: with a subcommand it is the CLI (no GTK touched); without one it opens
//! the window. Everything that matters lives in `avstem_core`; this crate only wires it to Tauri.

pub mod commands;
pub mod window_size;

use avstem_cli::Cli;
use avstem_core::context::Context;
use clap::Parser;

/// What every command can reach.
pub struct AppState {
    pub ctx: Context,
}

pub const NO_DISPLAY: &str =
    "no display found — run under a desktop session or xvfb-run; the command-line tool works without one";

/// Entry point for the `avstem` binary; returns the process exit status.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version exit 0; unknown subcommands and bad flags print usage and exit 2.
        Err(e) => e.exit(),
    };
    if cli.command.is_some() {
        return avstem_cli::run(cli);
    }
    avstem_cli::init_logging(cli.verbose);
    match cli.context() {
        Ok(ctx) => run_window(ctx),
        Err(e) => {
            eprintln!("avstem: {e}");
            1
        }
    }
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

fn run_window(ctx: Context) -> i32 {
    if cfg!(target_os = "linux") && !has_display() {
        eprintln!("avstem: {NO_DISPLAY}");
        return 1;
    }
    let result = builder::<tauri::Wry>(ctx).run(tauri::generate_context!());
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("avstem: the window could not be opened: {e}");
            1
        }
    }
}

/// The Tauri builder with Avstem's state, plugins and commands; shared by `run` and the command tests.
pub fn builder<R: tauri::Runtime>(ctx: Context) -> tauri::Builder<R> {
    let data_dir = ctx.data_dir.clone();
    let builder = tauri::Builder::<R>::new()
        .manage(AppState { ctx })
        .manage(commands::SyncJobs::default())
        .manage(commands::ChosenPaths::default())
        .manage(commands::saved::ExportedFiles::default())
        .manage(commands::clients::ChosenFolders::default())
        .manage(commands::bank::PickedFiles::default())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_profiles,
            commands::start_demo,
            commands::test_keys,
            commands::save_profile,
            commands::remove_profile,
            commands::cached_ledgers,
            commands::refresh_ledgers,
            commands::month_report,
            commands::day_entries,
            commands::day_summary,
            commands::payout_detail,
            commands::capture_detail,
            commands::search_entries,
            commands::sync_month,
            commands::cancel_sync,
            commands::choose_export_path,
            commands::saved::suggest_export_path,
            commands::saved::open_exported_file,
            commands::forget_personal_data,
            commands::export_month,
            commands::missing_dates,
            commands::choose_portal_files,
            commands::import_portal_files,
            commands::bank::choose_statement_files,
            commands::bank::preview_statement,
            commands::bank::import_statements,
            commands::bank::bank_month,
            commands::bank::set_bank_text_format,
            commands::bank::payout_bank,
            commands::bank::decide_bank_line,
            commands::books::ledger_accounts,
            commands::books::save_ledger_accounts,
            commands::books::save_profile_accounts,
            commands::books::reset_ledger_accounts,
            commands::sales::order_lines,
            commands::sales::sales_by_rate,
            commands::sales::month_sales,
            commands::clients::clients_overview,
            commands::clients::set_client_name,
            commands::clients::choose_clients_folder,
            commands::clients::clients_sync,
            commands::clients::clients_export,
        ]);
    window_size::remember(builder, data_dir)
}
