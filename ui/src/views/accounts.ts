// How a ledger's month is posted, in the export screen: the accounts (each says what it is for),
// the VAT code of each kind of line, and the date payout vouchers get. Saved for the ledger, or as
// the profile's defaults for every ledger in the same currency; the source line says which applies.
// The CLI's `avstem accounts` and every bookkeeping format use the same saved settings.
import { api, type JournalAccounts, type LedgerAccountsView, type UserError } from "../api";
import type { VatCodes } from "../bindings/VatCodes";
import type { VoucherDate } from "../bindings/VoucherDate";
import { h, replace } from "../dom";
import { t, type MessageKey } from "../i18n";
import { errorBox } from "./errors";

export type Role = keyof VatCodes;
export const ROLES: Role[] = ["bank", "fees", "clearing", "suspense", "payable"];

export type FormValues = { accounts: Record<Role, string>; vat: Record<Role, string>; voucherDate: VoucherDate };

/** The form's values, trimmed; names the first account (or VAT code) that cannot be one. */
export function readAccounts(values: FormValues): { accounts: JournalAccounts } | { bad: Role; what: "account" | "vat" } {
  const vat = {} as VatCodes;
  const out = { voucherDate: values.voucherDate } as JournalAccounts;
  for (const role of ROLES) {
    const v = values.accounts[role].trim();
    if (!/^[0-9A-Za-z]{1,20}$/.test(v)) return { bad: role, what: "account" };
    out[role] = v;
  }
  for (const role of ROLES) {
    const v = values.vat[role].trim();
    if (!/^[0-9A-Za-z]{0,10}$/.test(v)) return { bad: role, what: "vat" };
    vat[role] = v;
  }
  out.vat = vat;
  return { accounts: out };
}

/** The sentence saying where the settings shown come from. */
export function sourceText(v: LedgerAccountsView): string {
  if (v.source === "ledger") return t("accounts.saved");
  if (v.source === "profile") return t("accounts.fromProfile", { currency: v.currency });
  const chart = (["NOK", "DKK", "EUR"] as const).find((c) => c === v.currency);
  return t("accounts.defaults", { chart: chart ? t(`accounts.chart.${chart}`) : v.defaultsName });
}

/** The accounts panel; `load` fills it (again) when the ledger changes. `profile` is the profile
 * whose defaults "Save for all" sets (none: the button is hidden). */
export function accountsPanel(profile: () => string | null = () => null): { el: HTMLElement; load: (ledgerId: string) => Promise<void> } {
  const input = (id: string, testid: string, cls: string, described: string) =>
    h("input", { id, type: "text", class: cls, spellcheck: "false", autocomplete: "off", "data-testid": testid, "aria-describedby": described });
  const inputs = Object.fromEntries(ROLES.map((r) => [r, input(`acct-${r}`, `account-${r}`, "account", `acct-${r}-help`)])) as Record<Role, HTMLInputElement>;
  const vats = Object.fromEntries(ROLES.map((r) => [r, input(`vat-${r}`, `vat-${r}`, "vat-code", `acct-${r}-help`)])) as Record<Role, HTMLInputElement>;
  for (const r of ROLES) inputs[r].setAttribute("inputmode", "numeric");
  const dateRadio = (value: VoucherDate) =>
    h("input", { type: "radio", name: "voucher-date", id: `voucher-date-${value}`, value, "data-testid": `voucher-date-${value}` });
  const dates = { ledger: dateRadio("ledger"), bank: dateRadio("bank") } as Record<VoucherDate, HTMLInputElement>;
  const source = h("p", { class: "help", "data-testid": "accounts-source" });
  const status = h("div", { class: "status", "aria-live": "polite", "data-testid": "accounts-status" });
  const save = h("button", { type: "button", class: "secondary", "data-testid": "accounts-save" }, t("accounts.save"));
  const saveAll = h("button", { type: "button", class: "secondary", "data-testid": "accounts-save-profile" });
  const defaults = h("button", { type: "button", class: "link-button", "data-testid": "accounts-defaults" }, t("accounts.useDefaults"));
  const forget = h("button", { type: "button", class: "link-button", "data-testid": "accounts-forget" }, t("accounts.forget"));
  let current: LedgerAccountsView | null = null;

  const fill = (a: JournalAccounts) => {
    for (const r of ROLES) {
      inputs[r].value = a[r];
      vats[r].value = a.vat[r];
    }
    dates[a.voucherDate].checked = true;
  };
  const show = (v: LedgerAccountsView) => {
    current = v;
    fill(v.accounts);
    source.textContent = sourceText(v);
    saveAll.textContent = t("accounts.saveProfile", { currency: v.currency });
    saveAll.hidden = !profile();
    forget.hidden = v.source !== "ledger";
  };
  const read = () =>
    readAccounts({
      accounts: Object.fromEntries(ROLES.map((r) => [r, inputs[r].value])) as Record<Role, string>,
      vat: Object.fromEntries(ROLES.map((r) => [r, vats[r].value])) as Record<Role, string>,
      voucherDate: dates.bank.checked ? "bank" : "ledger",
    });
  const run = async (button: HTMLButtonElement, done: MessageKey, act: (a: JournalAccounts, ledgerId: string) => Promise<LedgerAccountsView>) => {
    if (!current) return;
    const r = read();
    if ("bad" in r) {
      const role = t(`accounts.${r.bad}` as MessageKey);
      replace(status, errorBox({ kind: "input", message: t(r.what === "vat" ? "accounts.badVat" : "accounts.bad", { role }), contextId: null }));
      (r.what === "vat" ? vats : inputs)[r.bad].focus();
      return;
    }
    button.disabled = true;
    try {
      show(await act(r.accounts, current.ledgerId));
      replace(status, h("p", { class: "ok", "data-testid": "accounts-done" }, t(done, { currency: current.currency })));
    } catch (e) {
      replace(status, errorBox(e as UserError));
    } finally {
      button.disabled = false;
    }
  };
  save.addEventListener("click", () => void run(save, "accounts.done", (a, id) => api.saveLedgerAccounts(id, a)));
  saveAll.addEventListener("click", () => {
    const p = profile();
    if (p) void run(saveAll, "accounts.doneProfile", (a, id) => api.saveProfileAccounts(p, id, a));
  });
  forget.addEventListener("click", async () => {
    if (!current) return;
    try {
      show(await api.resetLedgerAccounts(current.ledgerId));
      replace(status, h("p", { class: "ok", "data-testid": "accounts-done" }, t("accounts.forgotten")));
    } catch (e) {
      replace(status, errorBox(e as UserError));
    }
  });
  defaults.addEventListener("click", () => {
    if (!current) return;
    fill(current.defaults);
    replace(status, h("p", { class: "muted" }, t("accounts.resetHint")));
  });

  const el = h(
    "fieldset",
    { class: "accounts", "data-testid": "accounts" },
    h("legend", {}, t("accounts.title")),
    h("p", { class: "help" }, t("accounts.lead")),
    ...ROLES.map((role) =>
      h(
        "div",
        { class: "field account-row" },
        h("label", { for: `acct-${role}` }, t(`accounts.${role}` as MessageKey)),
        h("div", { class: "control" }, inputs[role], h("label", { class: "vat-label", for: `vat-${role}`, title: t("accounts.vatOf", { role: t(`accounts.${role}` as MessageKey) }) }, t("accounts.vatCode")), vats[role]),
        h("p", { class: "help", id: `acct-${role}-help` }, t(`accounts.${role}.help` as MessageKey)),
      ),
    ),
    h("p", { class: "help" }, t("accounts.vatHelp")),
    h(
      "fieldset",
      { class: "voucher-date" },
      h("legend", {}, t("accounts.voucherDate")),
      h("label", { class: "radio", for: "voucher-date-ledger" }, dates.ledger, " ", t("accounts.voucherDate.ledger")),
      h("label", { class: "radio", for: "voucher-date-bank" }, dates.bank, " ", t("accounts.voucherDate.bank")),
    ),
    source,
    h("div", { class: "actions" }, save, saveAll, defaults, forget),
    status,
  );
  const load = async (ledgerId: string) => {
    replace(status);
    try {
      show(await api.ledgerAccounts(ledgerId));
    } catch (e) {
      replace(status, errorBox(e as UserError));
    }
  };
  return { el, load };
}
