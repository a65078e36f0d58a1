// The accounts a ledger's vouchers post to, in the export screen: each says what it is for, the
// defaults name their chart, and Save stores them for the ledger (the CLI's `avstem accounts` and
// every bookkeeping format use the same saved accounts).
import { api, type JournalAccounts, type LedgerAccountsView, type UserError } from "../api";
import { h, replace } from "../dom";
import { t, type MessageKey } from "../i18n";
import { errorBox } from "./errors";

export const ROLES: (keyof JournalAccounts)[] = ["bank", "fees", "clearing", "suspense", "payable"];

/** The form's values, trimmed; `null` when one is not an account number (the sentence says which). */
export function readAccounts(values: Record<keyof JournalAccounts, string>): { accounts: JournalAccounts } | { bad: keyof JournalAccounts } {
  const out = {} as JournalAccounts;
  for (const role of ROLES) {
    const v = values[role].trim();
    if (!/^[0-9A-Za-z]{1,20}$/.test(v)) return { bad: role };
    out[role] = v;
  }
  return { accounts: out };
}

/** The accounts panel for `ledgerId`; `reload` fills it (again) when the ledger changes. */
export function accountsPanel(): { el: HTMLElement; load: (ledgerId: string) => Promise<void> } {
  const inputs = Object.fromEntries(
    ROLES.map((role) => [
      role,
      h("input", { id: `acct-${role}`, type: "text", inputmode: "numeric", class: "account", spellcheck: "false", "data-testid": `account-${role}`, "aria-describedby": `acct-${role}-help` }),
    ]),
  ) as Record<keyof JournalAccounts, HTMLInputElement>;
  const source = h("p", { class: "help", "data-testid": "accounts-source" });
  const status = h("div", { class: "status", "aria-live": "polite", "data-testid": "accounts-status" });
  const save = h("button", { type: "button", class: "secondary", "data-testid": "accounts-save" }, t("accounts.save"));
  const reset = h("button", { type: "button", class: "link-button", "data-testid": "accounts-defaults" }, t("accounts.useDefaults"));
  let current: LedgerAccountsView | null = null;

  const show = (v: LedgerAccountsView) => {
    current = v;
    for (const role of ROLES) inputs[role].value = v.accounts[role];
    source.textContent = v.saved ? t("accounts.saved") : t("accounts.defaults", { chart: v.defaultsName });
  };

  save.addEventListener("click", async () => {
    if (!current) return;
    const values = Object.fromEntries(ROLES.map((r) => [r, inputs[r].value])) as Record<keyof JournalAccounts, string>;
    const read = readAccounts(values);
    if ("bad" in read) {
      replace(status, errorBox({ kind: "input", message: t("accounts.bad", { role: t(`accounts.${read.bad}` as MessageKey) }), contextId: null }));
      inputs[read.bad].focus();
      return;
    }
    save.disabled = true;
    try {
      show(await api.saveLedgerAccounts(current.ledgerId, read.accounts));
      replace(status, h("p", { class: "ok", "data-testid": "accounts-done" }, t("accounts.done")));
    } catch (e) {
      replace(status, errorBox(e as UserError));
    } finally {
      save.disabled = false;
    }
  });
  reset.addEventListener("click", () => {
    if (!current) return;
    for (const role of ROLES) inputs[role].value = current.defaults[role];
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
        { class: "field" },
        h("label", { for: `acct-${role}` }, t(`accounts.${role}` as MessageKey)),
        inputs[role],
        h("p", { class: "help", id: `acct-${role}-help` }, t(`accounts.${role}.help` as MessageKey)),
      ),
    ),
    source,
    h("div", { class: "actions" }, save, reset),
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
