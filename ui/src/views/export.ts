// Export a month: format, personal data off unless ticked, the native Save dialog (opened by Rust; the
// chosen path shows in a read-only "Save to" field, and Rust writes only there), progress, Open folder.
import { api, type ExportFormat, type ExportSummary, type Ledger, type UserError } from "../api";
import { h, replace } from "../dom";
import { formatCount } from "../format";
import { lang, t, type MessageKey } from "../i18n";
import type { MonthTotals } from "../bindings/MonthTotals";
import { app } from "../state";
import { accountsPanel } from "./accounts";
import { errorBox } from "./errors";
import { ledgerName } from "./ledgers";
import { money, screen } from "./common";
import { progressText } from "./month";

/** The formats on offer: the workbook and portal CSV, then the books for the accounting systems. */
export const FORMATS: ExportFormat[] = ["xlsx", "csv", "saft", "gbat10", "economic", "csv-journal"];

/** The extension a file of `format` gets (as Rust's `ExportFormat::extension`). */
export function extensionOf(format: ExportFormat): string {
  return format === "xlsx" ? "xlsx" : format === "saft" ? "xml" : "csv";
}

/** `<shop>-<month>.xlsx` (books: `<shop>-<month>-saft.xml`…); Rust makes the name safe for the file system. */
export function defaultFileName(shop: string, month: string, format: ExportFormat): string {
  const kind = format === "xlsx" || format === "csv" ? "" : `-${format}`;
  return `${shop}-${month}${kind}.${extensionOf(format)}`;
}

/** The last part of a path, and the folder before it (either separator). */
export function splitPath(path: string): { folder: string; name: string } {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i < 0 ? { folder: "", name: path } : { folder: path.slice(0, i) || path.slice(0, 1), name: path.slice(i + 1) };
}

/** Keep the file's extension in step with the chosen format. */
export function withExtension(path: string, format: ExportFormat): string {
  if (!path) return path;
  const ext = "." + extensionOf(format);
  return /\.(xlsx|csv|xml)$/i.test(path) ? path.replace(/\.(xlsx|csv|xml)$/i, ext) : path + ext;
}

export function exportView(root: HTMLElement, ledgerId: string, month: string): void {
  const ledgerSelect = h("select", { id: "export-ledger", "data-testid": "export-ledger" }, h("option", { value: ledgerId }, ledgerId));
  const monthInput = h("input", { id: "export-month", type: "month", value: month, "data-testid": "export-month", pattern: "\\d{4}-\\d{2}" });
  const radio = (value: ExportFormat) =>
    h(
      "label",
      { class: "radio" },
      h("input", { type: "radio", name: "format", value, checked: value === "xlsx", "data-testid": `format-${value}` }),
      " ",
      h("span", {}, t(`export.f.${value}` as MessageKey), h("span", { class: "help" }, t(`export.h.${value}` as MessageKey))),
    );
  const radios = FORMATS.map(radio);
  const gdpr = h("input", { type: "checkbox", id: "export-gdpr", "data-testid": "export-gdpr" });
  const gdprWarning = h("p", { class: "help warn-text", id: "gdpr-warning" }, t("export.gdprWarning"));
  const pathInput = h("input", { id: "export-path", type: "text", class: "wide", spellcheck: "false", readonly: true, "data-testid": "export-path", "aria-describedby": "export-path-help" });
  const chooseButton = h("button", { type: "button", class: "secondary", "data-testid": "export-choose" }, t("export.choose"));
  const goButton = h("button", { type: "submit", class: "primary", "data-testid": "export-go" }, t("export.go"));
  const status = h("div", { class: "status", "aria-live": "polite", "data-testid": "export-status" });

  const format = (): ExportFormat =>
    (radios.map((r) => r.querySelector("input") as HTMLInputElement).find((i) => i.checked)?.value as ExportFormat) ?? "xlsx";
  const currentLedger = () => ledgerSelect.value || ledgerId;
  const accounts = accountsPanel(() => (app.profile && app.profile !== "files" ? app.profile : null));
  ledgerSelect.addEventListener("change", () => void accounts.load(currentLedger()));
  const currentMonth = () => monthInput.value || month;
  const names = new Map<string, string>();
  const shopName = () => names.get(currentLedger()) ?? currentLedger();
  // The path starts as `<shop>-<month>.xlsx` in the folder picked last time (Rust knows it); it follows
  // the shop, month and format until the user picks a file with "Choose…".
  let suggested = true;
  const suggest = async () => {
    if (!suggested) return;
    try {
      const path = await api.suggestExportPath(defaultFileName(shopName(), currentMonth(), format()), format());
      if (path && suggested) pathInput.value = path;
    } catch {
      // No folder yet, or the data folder is unreadable: "Choose…" still works.
    }
  };
  ledgerSelect.addEventListener("change", () => void suggest());
  monthInput.addEventListener("change", () => void suggest());

  for (const r of radios) {
    r.querySelector("input")?.addEventListener("change", () => {
      if (suggested) void suggest();
      else pathInput.value = withExtension(pathInput.value, format());
    });
  }
  gdpr.addEventListener("change", () => gdprWarning.classList.toggle("strong", gdpr.checked));

  chooseButton.addEventListener("click", async () => {
    try {
      const chosen = await api.chooseSavePath(defaultFileName(shopName(), currentMonth(), format()), format());
      if (chosen) {
        suggested = false;
        pathInput.value = withExtension(chosen, format());
      }
    } catch (e) {
      replace(status, errorBox(e as UserError));
    }
  });

  const form = h(
    "form",
    { class: "export-form", "data-testid": "export-form" },
    h("div", { class: "field" }, h("label", { for: "export-ledger" }, t("export.ledger")), ledgerSelect),
    h("div", { class: "field" }, h("label", { for: "export-month" }, t("export.month")), monthInput),
    h("fieldset", { class: "formats" }, h("legend", {}, t("export.format")), ...radios),
    h("div", { class: "field" }, h("label", { class: "check", for: "export-gdpr" }, gdpr, " ", t("export.gdpr")), gdprWarning),
    h("div", { class: "field" }, h("label", { for: "export-path" }, t("export.path")), h("div", { class: "control" }, pathInput, chooseButton)),
    h("div", { class: "actions" }, goButton),
    status,
    accounts.el,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const path = pathInput.value.trim();
    if (!path) {
      replace(status, errorBox({ kind: "input", message: t("export.needPath"), contextId: null }));
      return;
    }
    const ledger = currentLedger();
    const ym = currentMonth();
    // Rust refuses it too; this says it in the user's language. The last month that is over comes from Rust's clock.
    if (ym > app.defaultMonth) {
      replace(status, h("p", { class: "notice", "data-testid": "export-not-over" }, t("export.notOver")));
      return;
    }
    goButton.disabled = true;
    // Rust fetches what the month still lacks (or the personal data, when ticked) before writing, so
    // the file never silently misses a date; it refuses a month that is not over. While it fetches,
    // progress events fill the bar; then it writes.
    const bar = h("progress", { max: 1, value: 0, "data-testid": "export-sync-progress" });
    const line = h("span", { class: "muted" }, t("export.writing"));
    replace(status, h("div", { class: "progress", "data-testid": "export-progress" }, bar, line));
    const unlisten = await api.onSyncProgress((p) => {
      bar.max = Math.max(1, p.datesTotal);
      bar.value = p.datesDone;
      line.textContent = p.datesDone < p.datesTotal ? `${t("export.fetching")} ${progressText(p)}` : t("export.writing");
    });
    try {
      const summary = await api.exportMonth({ ledgerId: ledger, month: ym, format: format(), gdpr: gdpr.checked, path, syncProfile: app.profile });
      let totals: MonthTotals | null = null;
      let currency = "NOK";
      try {
        const view = await api.monthReport(ledger, ym);
        totals = view.report.totals;
        currency = view.report.currency;
      } catch {
        // The file is written; only the figures beside it are missing.
      }
      replace(status, savedPanel(summary, totals, currency, (e) => replace(status, errorBox(e))));
      // Exporting again suggests a fresh name beside this one, never over it.
      suggested = true;
    } catch (e) {
      replace(status, errorBox(e as UserError));
    } finally {
      unlisten();
      goButton.disabled = false;
      status.scrollIntoView({ block: "nearest" });
    }
  });

  root.replaceChildren(screen(t("export.title"), h("p", { class: "lead" }, t("export.lead")), form));
  void suggest();

  void (async () => {
    if (!app.profile) return;
    try {
      const ledgers: Ledger[] = await api.cachedLedgers(app.profile);
      if (ledgers.length) {
        replace(ledgerSelect, ledgers.map((l) => h("option", { value: l.ledgerId }, `${ledgerName(l)} (${l.ledgerId})`)));
        ledgerSelect.value = ledgers.some((l) => l.ledgerId === ledgerId) ? ledgerId : ledgers[0].ledgerId;
        for (const l of ledgers) names.set(l.ledgerId, ledgerName(l));
        void suggest();
      }
      await accounts.load(currentLedger());
    } catch {
      // Keep the ledger from the address; the export itself will say what is wrong.
    }
  })();
}

/** What was written where, the month's figures in it, its checks, and Open file / Show in folder. */
export function savedPanel(summary: ExportSummary, totals: MonthTotals | null, currency: string, onError: (e: UserError) => void): HTMLElement {
  const { folder, name } = splitPath(summary.path);
  const openFile = h("button", { type: "button", class: "primary", "data-testid": "open-file" }, t("export.openFile"));
  openFile.addEventListener("click", () => void api.openExportedFile(summary.path).catch((e) => onError(e as UserError)));
  const openFolder = h("button", { type: "button", class: "secondary", "data-testid": "open-folder" }, t("export.openFolder"));
  openFolder.addEventListener("click", () => void api.revealFile(summary.path).catch((e) => onError(e as UserError)));
  const rows = summary.journal
    ? t("export.doneBooks", { vouchers: formatCount(summary.journal.vouchers, lang()), lines: formatCount(summary.journal.lines, lang()), path: name })
    : t("export.done", { rows: formatCount(summary.fundsRows + summary.feesRows, lang()), path: name });
  const failed = summary.failedChecks;
  const checks =
    failed.length === 0
      ? h("p", { class: "ok", "data-testid": "export-checks" }, t("export.checksOk"))
      : h("p", { class: "warn-text", "data-testid": "export-checks" }, t(failed.length === 1 ? "export.checksFailed.one" : "export.checksFailed", { count: failed.length, titles: failed.join("; ") }));
  const figure = (label: string, minor: number, testid: string) =>
    h("div", { class: "saved-figure" }, h("dt", {}, label), h("dd", { class: "num", "data-testid": testid, "data-minor": String(minor) }, money(minor, currency)));
  const figures = totals
    ? h(
        "dl",
        { class: "saved-figures", "data-testid": "export-figures" },
        figure(t("month.sales"), totals.sales, "export-sales"),
        figure(t("month.refunds"), totals.refunds, "export-refunds"),
        figure(t("month.fees"), -totals.fees, "export-fees"),
        figure(t("month.payouts"), totals.payout, "export-payout"),
      )
    : null;
  return h(
    "section",
    { class: "saved", "data-testid": "export-done", "data-path": summary.path, "aria-labelledby": "export-saved-title" },
    h("h2", { id: "export-saved-title" }, t("export.savedTitle", { name })),
    h("p", { class: "muted", "data-testid": "export-folder" }, t("export.savedIn", { folder })),
    h("p", {}, rows),
    figures,
    checks,
    h("div", { class: "actions" }, openFile, openFolder),
  );
}
