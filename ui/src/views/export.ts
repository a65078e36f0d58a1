// Export a month: format, personal data off unless ticked, the native Save dialog (opened by Rust; the
// chosen path shows in a read-only "Save to" field, and Rust writes only there), progress, Open folder.
import { api, type ExportFormat, type Ledger, type UserError } from "../api";
import { h, replace } from "../dom";
import { formatCount } from "../format";
import { lang, t, type MessageKey } from "../i18n";
import { app } from "../state";
import { accountsPanel } from "./accounts";
import { errorBox } from "./errors";
import { ledgerName } from "./ledgers";
import { screen } from "./common";
import { progressText } from "./month";

/** The formats on offer: the workbook and portal CSV, then the books for the accounting systems. */
export const FORMATS: ExportFormat[] = ["xlsx", "csv", "saft", "gbat10", "economic", "csv-journal"];

/** The extension a file of `format` gets (as Rust's `ExportFormat::extension`). */
export function extensionOf(format: ExportFormat): string {
  return format === "xlsx" ? "xlsx" : format === "saft" ? "xml" : "csv";
}

export function defaultFileName(ledgerId: string, month: string, format: ExportFormat): string {
  const kind = format === "xlsx" || format === "csv" ? "" : `-${format}`;
  return `avstem-${ledgerId}-${month}${kind}.${extensionOf(format)}`;
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

  for (const r of radios) {
    r.querySelector("input")?.addEventListener("change", () => {
      pathInput.value = withExtension(pathInput.value, format());
    });
  }
  gdpr.addEventListener("change", () => gdprWarning.classList.toggle("strong", gdpr.checked));

  chooseButton.addEventListener("click", async () => {
    try {
      const chosen = await api.chooseSavePath(defaultFileName(currentLedger(), currentMonth(), format()), format());
      if (chosen) pathInput.value = withExtension(chosen, format());
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
      const openButton = h("button", { type: "button", class: "secondary", "data-testid": "open-folder" }, t("export.openFolder"));
      openButton.addEventListener("click", () => void api.revealFile(summary.path).catch((e) => replace(status, errorBox(e as UserError))));
      replace(
        status,
        h(
          "p",
          { class: "ok", "data-testid": "export-done", "data-path": summary.path },
          summary.journal
            ? t("export.doneBooks", { vouchers: formatCount(summary.journal.vouchers, lang()), lines: formatCount(summary.journal.lines, lang()), path: summary.path })
            : t("export.done", { rows: formatCount(summary.fundsRows + summary.feesRows, lang()), path: summary.path }),
        ),
        openButton,
      );
    } catch (e) {
      replace(status, errorBox(e as UserError));
    } finally {
      unlisten();
      goButton.disabled = false;
      status.scrollIntoView({ block: "nearest" });
    }
  });

  root.replaceChildren(screen(t("export.title"), h("p", { class: "lead" }, t("export.lead")), form));

  void (async () => {
    if (!app.profile) return;
    try {
      const ledgers: Ledger[] = await api.cachedLedgers(app.profile);
      if (ledgers.length) {
        replace(ledgerSelect, ledgers.map((l) => h("option", { value: l.ledgerId }, `${ledgerName(l)} (${l.ledgerId})`)));
        ledgerSelect.value = ledgers.some((l) => l.ledgerId === ledgerId) ? ledgerId : ledgers[0].ledgerId;
      }
      await accounts.load(currentLedger());
    } catch {
      // Keep the ledger from the address; the export itself will say what is wrong.
    }
  })();
}
