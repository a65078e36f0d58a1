// Typed wrappers around the Rust commands: the only place the UI calls invoke(). Every type comes
// from ui/src/bindings, generated from the Rust structs by ts-rs (scripts/gen-bindings.sh).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { revealItemInDir } from "@tauri-apps/plugin-opener";
import type { AppInfo } from "./bindings/AppInfo";
import type { BankChoice } from "./bindings/BankChoice";
import type { BankLine } from "./bindings/BankLine";
import type { BankMonth } from "./bindings/BankMonth";
import type { CsvMapping } from "./bindings/CsvMapping";
import type { FilePreview } from "./bindings/FilePreview";
import type { ImportReport } from "./bindings/ImportReport";
import type { PayoutBankView } from "./bindings/PayoutBankView";
import type { PayoutInBank } from "./bindings/PayoutInBank";
import type { CaptureDetail } from "./bindings/CaptureDetail";
import type { ClientRow } from "./bindings/ClientRow";
import type { ClientsExport } from "./bindings/ClientsExport";
import type { MonthEndSummary } from "./bindings/MonthEndSummary";
import type { SyncedLedger } from "./bindings/SyncedLedger";
import type { ConnectionTest } from "./bindings/ConnectionTest";
import type { DayPage } from "./bindings/DayPage";
import type { DayQuery } from "./bindings/DayQuery";
import type { DaySummary } from "./bindings/DaySummary";
import type { DayView } from "./bindings/DayView";
import type { Entry } from "./bindings/Entry";
import type { ExportFormat } from "./bindings/ExportFormat";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { ExportSummary } from "./bindings/ExportSummary";
import type { JournalAccounts } from "./bindings/JournalAccounts";
import type { KeysForm } from "./bindings/KeysForm";
import type { Ledger } from "./bindings/Ledger";
import type { LedgerAccountsView } from "./bindings/LedgerAccountsView";
import type { MonthView } from "./bindings/MonthView";
import type { PayoutDetail } from "./bindings/PayoutDetail";
import type { SaleView } from "./bindings/SaleView";
import type { SalesByRate } from "./bindings/SalesByRate";
import type { PortalImportReport } from "./bindings/PortalImportReport";
import type { Profile } from "./bindings/Profile";
import type { SyncProgress } from "./bindings/SyncProgress";
import type { SyncSummary } from "./bindings/SyncSummary";
import type { Topic } from "./bindings/Topic";
import type { UserError } from "./bindings/UserError";

export type {
  AppInfo,
  BankLine,
  BankMonth,
  CsvMapping,
  FilePreview,
  ImportReport,
  PayoutBankView,
  PayoutInBank,
  CaptureDetail,
  DayPage,
  DayQuery,
  DaySummary,
  DayView,
  Entry,
  ExportFormat,
  JournalAccounts,
  LedgerAccountsView,
  ExportSummary,
  KeysForm,
  Ledger,
  MonthView,
  PayoutDetail,
  PortalImportReport,
  Profile,
  SyncProgress,
  SyncSummary,
  Topic,
  UserError,
};

/** Commands reject with a `UserError`; anything else (a bug, a denied permission) becomes one. */
export function asUserError(e: unknown): UserError {
  if (e && typeof e === "object" && "kind" in e && "message" in e) {
    const o = e as { kind: unknown; message: unknown; contextId?: unknown };
    return {
      kind: String(o.kind),
      message: String(o.message),
      contextId: typeof o.contextId === "string" ? o.contextId : null,
    };
  }
  return { kind: "internal", message: typeof e === "string" ? e : String(e), contextId: null };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asUserError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  listProfiles: () => call<Profile[]>("list_profiles"),
  startDemo: () => call<Ledger[]>("start_demo"),
  testKeys: (form: KeysForm) => call<ConnectionTest>("test_keys", { form }),
  saveProfile: (form: KeysForm) => call<Profile>("save_profile", { form }),
  removeProfile: (name: string) => call<Profile[]>("remove_profile", { name }),
  cachedLedgers: (profile: string) => call<Ledger[]>("cached_ledgers", { profile }),
  refreshLedgers: (profile: string) => call<Ledger[]>("refresh_ledgers", { profile }),
  monthReport: (ledgerId: string, month: string) => call<MonthView>("month_report", { ledgerId, month }),
  dayEntries: (ledgerId: string, topic: Topic, date: string, query: DayQuery) =>
    call<DayPage>("day_entries", { ledgerId, topic, date, query }),
  daySummary: (ledgerId: string, date: string) => call<DayView>("day_summary", { ledgerId, date }),
  payoutDetail: (ledgerId: string, pspReference: string) =>
    call<PayoutDetail>("payout_detail", { ledgerId, pspReference }),
  captureDetail: (pspReference: string) => call<CaptureDetail>("capture_detail", { pspReference }),
  search: (text: string) => call<Entry[]>("search_entries", { text }),
  syncMonth: (profile: string, ledgerId: string, month: string, gdpr = false) =>
    call<SyncSummary>("sync_month", { profile, ledgerId, month, gdpr }),
  cancelSync: () => call<boolean>("cancel_sync"),
  forgetPersonalData: () => call<number>("forget_personal_data"),
  exportMonth: (request: ExportRequest) => call<ExportSummary>("export_month", { request }),
  missingDates: (ledgerId: string, month: string) => call<number>("missing_dates", { ledgerId, month }),

  /** The Clients overview: one row per granted shop/account for the month, from the cache. */
  clientsOverview: (profile: string, month: string) => call<ClientRow[]>("clients_overview", { profile, month }),
  /** Save the name the accountant gives a client (empty: the sales unit's name again). */
  setClientName: (ledgerId: string, name: string) => call<null>("set_client_name", { ledgerId, name }),
  /** The native Choose-folder dialog, opened by Rust (which then writes only there); `null` on cancel. */
  chooseClientsFolder: () => call<string | null>("choose_clients_folder"),
  /** Sync the month of many clients (empty: all) in one run; progress as `sync-progress`. */
  clientsSync: (profile: string, month: string, ledgerIds: string[]) =>
    call<SyncedLedger[]>("clients_sync", { profile, month, ledgerIds }),
  /** Month-end for many clients: one file each in the chosen folder and the overview workbook. */
  clientsExport: (request: ClientsExport) => call<MonthEndSummary>("clients_export", { request }),

  /** The native Open dialog for bank statements, opened by Rust (which then reads only those files); `[]` on cancel. */
  chooseStatementFiles: () => call<string[]>("choose_statement_files"),
  /** Read a picked statement without storing it; for a CSV, how its columns will be read. */
  previewStatement: (profile: string, path: string, ledgerId: string | null, mapping: CsvMapping | null) =>
    call<FilePreview>("preview_statement", { profile, path, ledgerId, mapping }),
  /** Import picked statements, each whole or not at all. */
  importStatements: (profile: string, paths: string[], ledgerId: string | null, mapping: CsvMapping | null) =>
    call<ImportReport>("import_statements", { profile, paths, ledgerId, mapping }),
  bankMonth: (ledgerId: string, month: string) => call<BankMonth>("bank_month", { ledgerId, month }),
  setBankTextFormat: (ledgerId: string, month: string, format: string | null) =>
    call<BankMonth>("set_bank_text_format", { ledgerId, month, format }),
  /** The accounts a ledger's vouchers post to (saved, else its currency's defaults). */
  ledgerAccounts: (ledgerId: string) => call<LedgerAccountsView>("ledger_accounts", { ledgerId }),
  saveLedgerAccounts: (ledgerId: string, accounts: JournalAccounts) =>
    call<LedgerAccountsView>("save_ledger_accounts", { ledgerId, accounts }),
  saveProfileAccounts: (profile: string, ledgerId: string, accounts: JournalAccounts) =>
    call<LedgerAccountsView>("save_profile_accounts", { profile, ledgerId, accounts }),
  resetLedgerAccounts: (ledgerId: string) => call<LedgerAccountsView>("reset_ledger_accounts", { ledgerId }),
  payoutBank: (ledgerId: string, pspReference: string) => call<PayoutBankView>("payout_bank", { ledgerId, pspReference }),
  decideBankLine: (ledgerId: string, pspReference: string, lineId: number, choice: BankChoice) =>
    call<PayoutBankView>("decide_bank_line", { ledgerId, pspReference, lineId, choice }),
  /** A capture's sales entries (and its refunds') with their order lines; `[]` when sales are not synced. */
  orderLines: (ledgerId: string, pspReference: string) => call<SaleView[]>("order_lines", { ledgerId, pspReference }),
  /** Sales by VAT rate of the ledger dates `from`–`to` (a payout's dates). */
  salesByRate: (ledgerId: string, from: string, to: string) => call<SalesByRate>("sales_by_rate", { ledgerId, from, to }),
  /** The month's sales by VAT rate, with the check on captures. */
  monthSales: (ledgerId: string, month: string) => call<SalesByRate>("month_sales", { ledgerId, month }),
  /** Files dropped onto the window (Rust remembers them as picked first). */
  onStatementFilesDropped: (cb: (paths: string[]) => void): Promise<UnlistenFn> =>
    listen<string[]>("bank-files-dropped", (ev) => cb(ev.payload)),

  /** Live sync progress, sent by the sync engine after every stored date. */
  onSyncProgress: (cb: (p: SyncProgress) => void): Promise<UnlistenFn> =>
    listen<SyncProgress>("sync-progress", (ev) => cb(ev.payload)),

  /** The native Save dialog, opened by Rust (which then writes only there); `null` when the user cancels. */
  chooseSavePath: (suggestedName: string, format: ExportFormat) => call<string | null>("choose_export_path", { suggestedName, format }),
  /** `suggestedName` in the folder picked last time (allowed for export as if picked), or null before the first pick. */
  suggestExportPath: (suggestedName: string, format: ExportFormat) => call<string | null>("suggest_export_path", { suggestedName, format }),
  /** Open a file this session exported, in the desktop's program for it; any other path is refused in Rust. */
  openExportedFile: (path: string) => call<null>("open_exported_file", { path }),

  /** The native Open dialog for settlement reports, opened by Rust; empty when the user cancels. */
  choosePortalFiles: () => call<string[]>("choose_portal_files"),
  /** Import settlement reports into the keyless profile "files" (each file whole or not at all). */
  importPortalFiles: (paths: string[]) => call<PortalImportReport>("import_portal_files", { paths }),

  /**
   * Files dropped on the window: `cb` gets their paths and says whether it used them; once it
   * says no (its screen is gone), it is not called again. Outside the app window, nothing happens.
   */
  onFilesDropped: async (cb: (paths: string[]) => boolean): Promise<void> => {
    try {
      const { getCurrentWebview } = await import("@tauri-apps/api/webview");
      const unlisten = await getCurrentWebview().onDragDropEvent((ev) => {
        if (ev.payload.type === "drop" && !cb(ev.payload.paths)) unlisten();
      });
    } catch {
      // Not inside Tauri (unit tests, a plain browser): no drops to listen to.
    }
  },

  /** Show the exported file in the file manager. */
  revealFile: async (path: string): Promise<void> => {
    try {
      await revealItemInDir(path);
    } catch (e) {
      throw asUserError(e);
    }
  },
};
