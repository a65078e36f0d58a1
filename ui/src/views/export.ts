// Export a month: format, personal data off unless ticked, the native Save dialog (opened by Rust; the
// chosen path shows in a read-only "Save to" field, and Rust writes only there), progress, Open folder.
import { api, type Ledger, type UserError } from "../api";
import { h, replace } from "../dom";
import { formatCount } from "../format";
import { lang, t } from "../i18n";
import { app } from "../state";
import { errorBox } from "./errors";
import { ledgerName } from "./ledgers";
import { screen } from "./common";
import { progressText } from "./month";

export function defaultFileName(ledgerId: string, month: string, csv: boolean): string {
  return `avstem-${ledgerId}-${month}.${csv ? "csv" : "xlsx"}`;
}

/** Keep the file's extension in step with the chosen format. */
export function withExtension(path: string, csv: boolean): string {
  if (!path) return path;
  const ext = csv ? ".csv" : ".xlsx";
  return /\.(xlsx|csv)$/i.test(path) ? path.replace(/\.(xlsx|csv)$/i, ext) : path + ext;
}

export function exportView(root: HTMLElement, ledgerId: string, month: string): void {
  const ledgerSelect = h("select", { id: "export-ledger", "data-testid": "export-ledger" }, h("option", { value: ledgerId }, ledgerId));
  const monthInput = h("input", { id: "export-month", type: "month", value: month, "data-testid": "export-month", pattern: "\\d{4}-\\d{2}" });
  const radio = (value: "xlsx" | "csv", label: string) =>
    h("label", { class: "radio" }, h("input", { type: "radio", name: "format", value, checked: value === "xlsx", "data-testid": `format-${value}` }), " ", label);
  const xlsx = radio("xlsx", t("export.xlsx"));
  const csvRadio = radio("csv", t("export.csv"));
  const gdpr = h("input", { type: "checkbox", id: "export-gdpr", "data-testid": "export-gdpr" });
  const gdprWarning = h("p", { class: "help warn-text", id: "gdpr-warning" }, t("export.gdprWarning"));
  const pathInput = h("input", { id: "export-path", type: "text", class: "wide", spellcheck: "false", readonly: true, "data-testid": "export-path", "aria-describedby": "export-path-help" });
  const chooseButton = h("button", { type: "button", class: "secondary", "data-testid": "export-choose" }, t("export.choose"));
  const goButton = h("button", { type: "submit", class: "primary", "data-testid": "export-go" }, t("export.go"));
  const status = h("div", { class: "status", "aria-live": "polite", "data-testid": "export-status" });

  const isCsv = () => (csvRadio.querySelector("input") as HTMLInputElement).checked;
  const currentLedger = () => ledgerSelect.value || ledgerId;
  const currentMonth = () => monthInput.value || month;

  for (const r of [xlsx, csvRadio]) {
    r.querySelector("input")?.addEventListener("change", () => {
      pathInput.value = withExtension(pathInput.value, isCsv());
    });
  }
  gdpr.addEventListener("change", () => gdprWarning.classList.toggle("strong", gdpr.checked));

  chooseButton.addEventListener("click", async () => {
    try {
      const chosen = await api.chooseSavePath(defaultFileName(currentLedger(), currentMonth(), isCsv()), isCsv());
      if (chosen) pathInput.value = withExtension(chosen, isCsv());
    } catch (e) {
      replace(status, errorBox(e as UserError));
    }
  });

  const form = h(
    "form",
    { class: "export-form", "data-testid": "export-form" },
    h("div", { class: "field" }, h("label", { for: "export-ledger" }, t("export.ledger")), ledgerSelect),
    h("div", { class: "field" }, h("label", { for: "export-month" }, t("export.month")), monthInput),
    h("fieldset", {}, h("legend", {}, t("export.format")), xlsx, csvRadio),
    h("div", { class: "field" }, h("label", { class: "check", for: "export-gdpr" }, gdpr, " ", t("export.gdpr")), gdprWarning),
    h("div", { class: "field" }, h("label", { for: "export-path" }, t("export.path")), h("div", { class: "control" }, pathInput, chooseButton)),
    h("div", { class: "actions" }, goButton),
    status,
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
      const summary = await api.exportMonth({ ledgerId: ledger, month: ym, format: isCsv() ? "csv" : "xlsx", gdpr: gdpr.checked, path, syncProfile: app.profile });
      const openButton = h("button", { type: "button", class: "secondary", "data-testid": "open-folder" }, t("export.openFolder"));
      openButton.addEventListener("click", () => void api.revealFile(summary.path).catch((e) => replace(status, errorBox(e as UserError))));
      replace(
        status,
        h("p", { class: "ok", "data-testid": "export-done", "data-path": summary.path }, t("export.done", { rows: formatCount(summary.fundsRows + summary.feesRows, lang()), path: summary.path })),
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
    } catch {
      // Keep the ledger from the address; the export itself will say what is wrong.
    }
  })();
}
