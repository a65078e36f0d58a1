// The bank (issue 15): import statements (the Open dialog or files dropped onto the window), confirm
// a CSV's columns, read what the import did, and see each payout against the bank: on the month
// screen a state per payout and the unexplained Vipps deposits, on the payout screen the bank line.
import { api, type BankLine, type BankMonth, type CsvMapping, type FilePreview, type ImportReport, type PayoutBankView, type PayoutInBank, type UserError } from "../api";
import type { BankState } from "../bindings/BankState";
import type { TextFormat } from "../bindings/TextFormat";
import { h, replace } from "../dom";
import { formatCount, formatDate } from "../format";
import { lang, t, type MessageKey } from "../i18n";
import { href } from "../router";
import { app } from "../state";
import { money } from "./common";
import { errorBox } from "./errors";

const STATES: BankState[] = ["in-the-bank", "matched-by-hand", "not-due-yet", "late", "amount-differs", "no-statement"];

/** A payout's state in the bank as a chip, in plain words; the reason from Rust as its tooltip. */
export function bankStateChip(state: BankState, reason = "", testid?: string): HTMLElement {
  const cls = state === "in-the-bank" || state === "matched-by-hand" ? "chip-paid" : state === "not-due-yet" || state === "no-statement" ? "chip-carried" : "chip-failed";
  return h("span", { class: `chip ${cls}`, title: reason, "data-state": state, "data-testid": testid }, t(`bank.state.${state}` as MessageKey));
}

/** "3 in the bank · 1 late" for a month's payouts, states in a fixed order, none left out. */
export function stateCounts(payouts: Pick<PayoutInBank, "state">[]): string {
  const l = lang();
  return STATES.map((s) => [s, payouts.filter((p) => p.state === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${formatCount(n, l)} ${t(`bank.state.${s}` as MessageKey)}`)
    .join(" · ");
}

/** How Avstem reads a CSV, in words: "semicolon · decimal comma · dates 31.12.2026". */
export function mappingSummary(m: CsvMapping): string {
  const delim = DELIMITERS.find((d) => d.value === m.delimiter);
  const example = DATE_FORMATS.find((f) => f.value === m.dateFormat)?.example ?? m.dateFormat;
  return [
    delim ? t(delim.key) : JSON.stringify(m.delimiter),
    m.decimalComma ? t("bank.csv.decimalComma") : t("bank.csv.decimalPoint"),
    t("bank.csv.datesLike", { example }),
  ].join(" · ");
}

const DELIMITERS: { value: string; key: MessageKey }[] = [
  { value: ";", key: "bank.csv.semicolon" },
  { value: ",", key: "bank.csv.comma" },
  { value: "\t", key: "bank.csv.tab" },
  { value: "|", key: "bank.csv.pipe" },
];

const DATE_FORMATS = [
  { value: "%d.%m.%Y", example: "31.12.2026" },
  { value: "%Y-%m-%d", example: "2026-12-31" },
  { value: "%d/%m/%Y", example: "31/12/2026" },
  { value: "%d-%m-%Y", example: "31-12-2026" },
  { value: "%d.%m.%y", example: "31.12.26" },
  { value: "%Y%m%d", example: "20261231" },
];

/** One line per file of an import: added, already there, or refused with Rust's sentence. */
export function reportLines(report: ImportReport): { ok: boolean; text: string }[] {
  const l = lang();
  return report.files.map((f) => {
    const name = f.path.split(/[\\/]/).pop() ?? f.path;
    if (f.imported) {
      const i = f.imported;
      const skipped = i.skippedAccounts.length ? ` ${t("bank.report.skipped", { accounts: i.skippedAccounts.join(", ") })}` : "";
      return {
        ok: true,
        text: t("bank.report.added", { file: name, lines: formatCount(i.lines, l), added: formatCount(i.added, l), already: formatCount(i.lines - i.added, l) }) + skipped,
      };
    }
    return { ok: false, text: t("bank.report.refused", { file: name, reason: f.error ?? "" }) };
  });
}

// ---- Files dropped onto the window: Rust remembers them and tells the month screen on show.
type DropTarget = { el: HTMLElement; take: (paths: string[]) => void };
let dropTarget: DropTarget | null = null;
let dropListening = false;

function listenForDrops(): void {
  if (dropListening) return;
  dropListening = true;
  void api.onStatementFilesDropped((paths) => {
    if (dropTarget?.el.isConnected) dropTarget.take(paths);
  });
}

/** The month screen's bank part: import, the state of each payout, unexplained deposits. */
export function bankSection(
  ledgerId: string,
  month: string,
  onMonth?: (m: BankMonth) => void,
): { el: HTMLElement; startImport: () => void; refresh: () => void } {
  const panel = h("div", { class: "bank-import", "data-testid": "bank-import" });
  const status = h("div", { "data-testid": "bank-status" }, h("p", { class: "muted" }, t("common.loading")));
  const el = h(
    "section",
    { class: "bank", "aria-label": t("bank.title") },
    h("h2", {}, t("bank.title")),
    h("p", { class: "muted small" }, t("bank.dropHint")),
    panel,
    status,
  );

  const show = (m: BankMonth) => {
    replace(status, renderMonthBank(m, ledgerId), m.textFormat ? textFormatForm(m.textFormat, (format) => api.setBankTextFormat(ledgerId, month, format), show) : null);
  };

  const refresh = async () => {
    try {
      const m = await api.bankMonth(ledgerId, month);
      if (!el.isConnected) return;
      show(m);
      onMonth?.(m);
      document.body.dataset.bankLoaded = `${ledgerId}|${month}|${m.payouts.length}|${m.statementTo ?? ""}`;
    } catch (e) {
      replace(status, errorBox(e as UserError, () => void refresh()));
    }
  };

  const importFiles = async (paths: string[]) => {
    const profile = app.profile;
    if (!profile || paths.length === 0) return;
    replace(panel, h("p", { class: "muted", "aria-busy": "true" }, t("bank.reading")));
    const camt: string[] = [];
    const csv: { path: string; preview: FilePreview }[] = [];
    const refused: ImportReport = { files: [], lines: 0, added: 0, failed: 0 };
    for (const path of paths) {
      try {
        const p = await api.previewStatement(profile, path, ledgerId, null);
        if (p.format === "csv") csv.push({ path, preview: p });
        else camt.push(path);
      } catch (e) {
        refused.files.push({ path, imported: null, error: (e as UserError).message });
        refused.failed += 1;
      }
    }
    let report = refused;
    if (camt.length) report = merge(report, await api.importStatements(profile, camt, null, null));
    const finish = (r: ImportReport) => {
      replace(panel, renderReport(r));
      void refresh();
    };
    if (!csv.length) return finish(report);
    // Each CSV waits for the user to confirm its columns, one after the other.
    const next = (i: number, acc: ImportReport) => {
      if (i >= csv.length) return finish(acc);
      replace(
        panel,
        csvConfirm(profile, ledgerId, csv[i].path, csv[i].preview, (r) => next(i + 1, merge(acc, r)), () => next(i + 1, acc)),
      );
    };
    next(0, report);
  };

  const startImport = () => {
    void (async () => {
      try {
        const paths = await api.chooseStatementFiles();
        await importFiles(paths);
      } catch (e) {
        replace(panel, errorBox(e as UserError));
      }
    })();
  };

  dropTarget = { el, take: (paths) => void importFiles(paths).catch((e) => replace(panel, errorBox(e as UserError))) };
  listenForDrops();
  return { el, startImport, refresh: () => void refresh() };
}

function merge(a: ImportReport, b: ImportReport): ImportReport {
  return { files: [...a.files, ...b.files], lines: a.lines + b.lines, added: a.added + b.added, failed: a.failed + b.failed };
}

function renderReport(r: ImportReport): HTMLElement {
  const l = lang();
  return h(
    "div",
    { class: "notice", "data-testid": "bank-report", "data-added": r.added, "data-lines": r.lines, "data-failed": r.failed },
    h("p", { class: r.failed ? "warn" : "ok" }, t("bank.report.summary", { added: formatCount(r.added, l), already: formatCount(r.lines - r.added, l), failed: formatCount(r.failed, l) })),
    h("ul", { class: "small" }, reportLines(r).map((x) => h("li", { class: x.ok ? "" : "warn-text", "data-testid": x.ok ? "bank-report-file" : "bank-report-refused" }, x.text))),
  );
}

/** The CSV step: how Avstem will read the columns, with a sample, for the user to confirm or change. */
function csvConfirm(
  profile: string,
  ledgerId: string,
  path: string,
  first: FilePreview,
  done: (r: ImportReport) => void,
  skip: () => void,
): HTMLElement {
  const box = h("div", { class: "notice csv-confirm", "data-testid": "csv-confirm" });
  let preview = first;
  let mapping: CsvMapping = first.mapping ?? {
    delimiter: ";", hasHeader: true, dateColumn: 0, dateFormat: "%d.%m.%Y", amountColumn: null, creditColumn: null, debitColumn: null, textColumn: null, decimalComma: true, currency: "NOK",
  };
  const cols = () => preview.header.map((name, i) => ({ value: String(i), label: name || t("bank.csv.column", { n: i + 1 }) }));
  const select = (label: string, testid: string, options: { value: string; label: string }[], value: string, onChange: (v: string) => void) => {
    const s = h("select", { "data-testid": testid, "aria-label": label }, options.map((o) => h("option", { value: o.value, selected: o.value === value }, o.label)));
    s.value = value;
    s.addEventListener("change", () => onChange(s.value));
    return h("label", { class: "csv-field" }, h("span", { class: "small muted" }, label), s);
  };
  const none = { value: "", label: t("bank.csv.none") };
  const opt = (n: number | null) => (n === null ? "" : String(n));
  const num = (v: string) => (v === "" ? null : Number(v));

  const reread = async (m: CsvMapping) => {
    try {
      preview = await api.previewStatement(profile, path, ledgerId, m);
      mapping = preview.mapping ?? m;
      draw(null);
    } catch (e) {
      mapping = m;
      draw(e as UserError);
    }
  };

  const draw = (error: UserError | null) => {
    const l = lang();
    const cur = mapping.currency;
    replace(
      box,
      h("p", { class: "strong" }, t("bank.csv.title", { file: preview.fileName })),
      h("p", { class: "small", "data-testid": "csv-summary" }, mappingSummary(mapping), preview.mappingRemembered ? ` · ${t("bank.csv.remembered")}` : ` · ${t("bank.csv.guessed")}`),
      h(
        "div",
        { class: "csv-fields" },
        select(t("bank.csv.delimiter"), "csv-delimiter", DELIMITERS.map((d) => ({ value: d.value, label: t(d.key) })), mapping.delimiter, (v) => void reread({ ...mapping, delimiter: v })),
        select(t("bank.csv.decimal"), "csv-decimal", [{ value: "comma", label: t("bank.csv.decimalComma") }, { value: "point", label: t("bank.csv.decimalPoint") }], mapping.decimalComma ? "comma" : "point", (v) => void reread({ ...mapping, decimalComma: v === "comma" })),
        select(t("bank.csv.dateFormat"), "csv-date-format", DATE_FORMATS.map((f) => ({ value: f.value, label: f.example })), mapping.dateFormat, (v) => void reread({ ...mapping, dateFormat: v })),
        select(t("bank.csv.dateColumn"), "csv-date-column", cols(), String(mapping.dateColumn), (v) => void reread({ ...mapping, dateColumn: Number(v) })),
        select(t("bank.csv.textColumn"), "csv-text-column", [none, ...cols()], opt(mapping.textColumn), (v) => void reread({ ...mapping, textColumn: num(v) })),
        select(t("bank.csv.amountColumn"), "csv-amount-column", [none, ...cols()], opt(mapping.amountColumn), (v) => void reread({ ...mapping, amountColumn: num(v) })),
        select(t("bank.csv.creditColumn"), "csv-credit-column", [none, ...cols()], opt(mapping.creditColumn), (v) => void reread({ ...mapping, creditColumn: num(v) })),
        select(t("bank.csv.debitColumn"), "csv-debit-column", [none, ...cols()], opt(mapping.debitColumn), (v) => void reread({ ...mapping, debitColumn: num(v) })),
      ),
      error
        ? errorBox(error)
        : h(
            "table",
            { class: "table small", "data-testid": "csv-sample" },
            h("thead", {}, h("tr", {}, h("th", {}, t("common.date")), h("th", {}, t("bank.text")), h("th", { class: "right" }, t("bank.amount")))),
            h("tbody", {}, preview.sample.map((s) => h("tr", {}, h("td", {}, formatDate(s.bookingDate, l)), h("td", {}, s.text), h("td", { class: "right" }, money(s.amount, s.currency || cur))))),
          ),
      error ? null : h("p", { class: "small muted" }, t("bank.csv.lines", { n: formatCount(preview.lineCount, l) })),
      h(
        "div",
        { class: "toolbar" },
        h("button", {
          type: "button",
          class: "primary",
          "data-testid": "csv-import",
          disabled: error !== null,
          onclick: async () => {
            try {
              done(await api.importStatements(profile, [path], ledgerId, mapping));
            } catch (e) {
              draw(e as UserError);
            }
          },
        }, t("bank.csv.import")),
        h("button", { type: "button", class: "secondary", "data-testid": "csv-skip", onclick: () => skip() }, t("bank.csv.skip")),
      ),
    );
  };
  draw(null);
  return box;
}

function renderMonthBank(m: BankMonth, ledgerId: string): HTMLElement {
  const l = lang();
  const covered =
    m.statementFrom && m.statementTo
      ? t("bank.covers", { from: formatDate(m.statementFrom, l), to: formatDate(m.statementTo, l) })
      : t("bank.noStatement");
  return h(
    "div",
    {},
    h("p", { class: m.statementFrom ? "small" : "notice", "data-testid": "bank-coverage" }, covered),
    m.payouts.length && m.statementFrom
      ? h("p", { class: m.allDueInBank ? "ok" : "warn", "data-testid": "bank-summary", "data-all": String(m.allDueInBank) }, m.allDueInBank ? t("bank.allIn") : t("bank.notAllIn"), " ", h("span", { class: "small muted" }, stateCounts(m.payouts)))
      : null,
    m.payouts.length
      ? h(
          "table",
          { class: "table", "data-testid": "bank-payouts" },
          h(
            "thead",
            {},
            h("tr", {}, h("th", {}, t("bank.payout")), h("th", {}, t("bank.ledgerDate")), h("th", {}, t("bank.expectedDate")), h("th", { class: "right" }, t("bank.amount")), h("th", {}, t("bank.state")), h("th", {}, t("bank.bankDate")), h("th", { class: "right" }, t("bank.bankAmount"))),
          ),
          h(
            "tbody",
            {},
            m.payouts.map((p) =>
              h(
                "tr",
                { "data-testid": "bank-row", "data-psp": p.pspReference, "data-state": p.state },
                h("td", {}, h("a", { href: href({ name: "payout", ledgerId, psp: p.pspReference }) }, p.label)),
                h("td", {}, formatDate(p.ledgerDate, l)),
                h("td", {}, formatDate(p.expectedDate, l)),
                h("td", { class: "right" }, money(p.amount, p.currency)),
                h("td", {}, bankStateChip(p.state, p.reason)),
                h("td", {}, p.bankDate ? formatDate(p.bankDate, l) : "–"),
                h("td", { class: "right" }, p.bankAmount === null ? "–" : money(p.bankAmount, p.currency)),
              ),
            ),
          ),
          // Totals: what Vipps MobilePay paid out (equals the month's "paid to bank") and what the bank shows of it.
          h(
            "tfoot",
            {},
            h(
              "tr",
              { class: "total-row" },
              h("td", { colspan: 3 }, t("bank.total", { count: m.payouts.length })),
              h("td", { class: "right" }, money(m.payouts.reduce((a, p) => a + p.amount, 0), m.payouts[0].currency, "bank-payouts-total")),
              h("td", {}),
              h("td", {}),
              h("td", { class: "right" }, money(m.payouts.reduce((a, p) => a + (p.bankAmount ?? 0), 0), m.payouts[0].currency, "bank-payouts-bank-total")),
            ),
          ),
        )
      : null,
    m.unexplained.length
      ? [
          h("h3", {}, t("bank.unexplained")),
          h("p", { class: "small muted" }, t("bank.unexplainedHint")),
          linesTable(m.unexplained, "bank-unexplained"),
        ]
      : null,
  );
}

function linesTable(lines: BankLine[], testid: string, action?: (line: BankLine) => HTMLElement | null): HTMLElement {
  const l = lang();
  return h(
    "table",
    { class: "table", "data-testid": testid },
    h("tbody", {}, lines.map((x) =>
      h(
        "tr",
        { "data-testid": `${testid}-line`, "data-line": x.id },
        h("td", {}, formatDate(x.bookingDate, l)),
        h("td", { class: "right" }, money(x.amount, x.currency)),
        h("td", {}, x.text, x.counterparty ? h("span", { class: "muted small" }, ` · ${x.counterparty}`) : null),
        action ? h("td", { class: "right" }, action(x)) : null,
      ),
    )),
  );
}

/** The payout screen's bank part: expected date and text beside the ledger date, the matched line or
 * the state, and buttons to match by hand or unmatch. */
export function payoutBankPart(ledgerId: string, psp: string): HTMLElement {
  const box = h("section", { class: "payout-bank", "data-testid": "payout-bank", "aria-label": t("bank.title") }, h("p", { class: "muted" }, t("common.loading")));
  const show = (v: PayoutBankView) => {
    replace(box, ...renderPayoutBank(v, ledgerId, psp, show));
    document.body.dataset.payoutBankLoaded = `${psp}|${v.payout.state}`;
  };
  void api
    .payoutBank(ledgerId, psp)
    .then(show)
    .catch((e) => replace(box, h("h2", {}, t("bank.title")), errorBox(e as UserError)));
  return box;
}

function renderPayoutBank(v: PayoutBankView, ledgerId: string, psp: string, show: (v: PayoutBankView) => void): HTMLElement[] {
  const l = lang();
  const p = v.payout;
  const choose = (line: BankLine, choice: "match" | "unmatch" | "forget", label: string, testid: string) =>
    h("button", {
      type: "button",
      class: choice === "match" ? "primary small-button" : "secondary small-button",
      "data-testid": testid,
      onclick: async (ev: Event) => {
        (ev.currentTarget as HTMLButtonElement).disabled = true;
        try {
          show(await api.decideBankLine(ledgerId, psp, line.id, choice));
        } catch (e) {
          replace(errors, errorBox(e as UserError));
        }
      },
    }, label);
  const errors = h("div", {});
  const row = (label: string, ...value: (Node | string)[]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, ...value));
  return [
    h("h2", {}, t("bank.title")),
    h(
      "table",
      { class: "table breakdown", "data-testid": "payout-bank-table" },
      h(
        "tbody",
        {},
        row(t("bank.ledgerDate"), h("span", { "data-testid": "bank-ledger-date" }, formatDate(p.ledgerDate, l, "long"))),
        row(t("bank.expectedDate"), h("span", { "data-testid": "bank-expected-date", "data-date": p.expectedDate }, formatDate(p.expectedDate, l, "long"))),
        row(t("bank.expectedText"), h("span", { class: "mono", "data-testid": "bank-expected-text" }, p.expectedText)),
        row(t("bank.state"), bankStateChip(p.state, p.reason, "bank-state")),
        p.bankDate ? row(t("bank.bankDate"), h("span", { "data-testid": "bank-date", "data-date": p.bankDate }, formatDate(p.bankDate, l, "long"))) : null,
        p.bankAmount !== null ? row(t("bank.bankAmount"), money(p.bankAmount, p.currency, "bank-amount")) : null,
      ),
    ),
    p.lines.length
      ? [
          h("h3", {}, t("bank.matchedLines")),
          linesTable(p.lines, "bank-line", (line) =>
            p.state === "matched-by-hand"
              ? choose(line, "forget", t("bank.undo"), "bank-forget")
              : choose(line, "unmatch", t("bank.unmatch"), "bank-unmatch"),
          ),
        ]
      : h("p", { class: "muted", "data-testid": "bank-no-line" }, v.statementImported ? t("bank.notFound") : t("bank.noStatement")),
    v.candidates.length && p.state !== "in-the-bank" && p.state !== "matched-by-hand"
      ? [
          h("h3", {}, t("bank.candidates")),
          h("p", { class: "small muted" }, t("bank.candidatesHint")),
          linesTable(v.candidates, "bank-candidate", (line) => choose(line, "match", t("bank.match"), "bank-match")),
        ]
      : null,
    errors,
  ].flat().filter((x): x is HTMLElement => x !== null);
}

/** Denmark/Finland: the payout text the bank shows, editable (saved per ledger). */
export function textFormatForm(
  tf: TextFormat,
  save: (format: string | null) => Promise<BankMonth>,
  done: (m: BankMonth) => void,
): HTMLElement {
  const input = h("input", { type: "text", value: tf.format, size: "40", spellcheck: "false", "aria-label": t("bank.textFormat.title"), "data-testid": "bank-text-format" }) as HTMLInputElement;
  const message = h("p", { class: "small", "data-testid": "bank-text-format-message", role: "status" });
  const run = (format: string | null) => {
    save(format).then(done, (e: UserError) => {
      message.className = "small error";
      message.textContent = e.message;
    });
  };
  return h(
    "form",
    { class: "bank-text-format", "data-testid": "bank-text-format-form", onsubmit: (ev: Event) => { ev.preventDefault(); run(input.value); } },
    h("h3", {}, t("bank.textFormat.title"), " ", h("span", { class: "small muted", "data-testid": "bank-text-format-kind" }, "(", tf.isDefault ? t("bank.textFormat.default") : t("bank.textFormat.saved"), ")")),
    h("p", { class: "small muted" }, t("bank.textFormat.hint")),
    h("p", {}, input, " ", h("button", { type: "submit", "data-testid": "bank-text-format-save" }, t("bank.textFormat.save")), " ", tf.isDefault ? null : h("button", { type: "button", onclick: () => run(null), "data-testid": "bank-text-format-reset" }, t("bank.textFormat.reset"))),
    message,
  );
}
