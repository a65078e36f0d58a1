// Every ledger of the chosen profile, from the cache first (works offline), refreshed on demand.
import { api, type Ledger, type UserError } from "../api";
import { h, replace } from "../dom";
import { formatOrgNumber, maskAccount } from "../format";
import { t } from "../i18n";
import { href } from "../router";
import { app } from "../state";
import { errorBox } from "./errors";
import { loading, screen } from "./common";

/** Match on the sales units' names, the ledger id or the organisation number. */
export function ledgerMatches(l: Ledger, text: string): boolean {
  const q = text.trim().toLowerCase();
  if (!q) return true;
  const hay = [l.ledgerId, l.owner.id, ...l.salesUnits.map((u) => u.name), ...l.salesUnits.map((u) => u.recipientHandle)];
  return hay.some((s) => s.toLowerCase().includes(q));
}

export function ledgerName(l: Ledger): string {
  return l.salesUnits[0]?.name ?? `Ledger ${l.ledgerId}`;
}

export function ledgersView(root: HTMLElement): void {
  const profile = app.profile;
  if (!profile) {
    location.hash = "#/welcome";
    return;
  }
  let ledgers: Ledger[] = [];
  const month = app.defaultMonth;
  const list = h("div", { class: "ledger-list", "data-testid": "ledger-list" }, loading());
  const status = h("div", { class: "status", "aria-live": "polite" });
  const count = h("span", { class: "muted" });
  const filter = h("input", {
    type: "search",
    id: "ledger-filter",
    placeholder: t("ledgers.filter"),
    "aria-label": t("ledgers.filter"),
    "data-testid": "ledger-filter",
  });
  const refreshButton = h("button", { type: "button", class: "secondary", "data-testid": "refresh-ledgers" }, t("ledgers.refresh"));
  const keyless = app.profiles.find((p) => p.name === profile)?.kind === "files";
  refreshButton.hidden = keyless;

  let refreshed = false;
  const render = () => {
    const shown = ledgers.filter((l) => ledgerMatches(l, filter.value));
    count.textContent = t("ledgers.count", { count: shown.length });
    if (ledgers.length === 0) {
      // Asked Vipps and got none: say what is almost always the cause.
      const kind = app.profiles.find((p) => p.name === profile)?.kind;
      const hint = kind === "accounting" ? t("ledgers.noneGranted") : t("ledgers.noneMerchant");
      replace(list, refreshed ? h("p", { class: "notice", "data-testid": "ledgers-empty" }, hint) : h("p", { class: "muted" }, t("ledgers.none")));
      return;
    }
    if (shown.length === 0) {
      replace(list, h("p", { class: "muted" }, t("ledgers.noMatch", { text: filter.value })));
      return;
    }
    replace(
      list,
      h(
        "table",
        { class: "table ledgers" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("ledgers.salesUnits")),
            h("th", { scope: "col" }, t("ledgers.ledgerId")),
            h("th", { scope: "col" }, t("ledgers.currency")),
            h("th", { scope: "col" }, t("ledgers.owner")),
            h("th", { scope: "col" }, t("ledgers.account")),
          ),
        ),
        h(
          "tbody",
          {},
          shown.map((l) =>
            h(
              "tr",
              { "data-testid": "ledger-row", "data-ledger": l.ledgerId },
              h(
                "td",
                {},
                h(
                  "a",
                  { href: href({ name: "month", ledgerId: l.ledgerId, month }), "data-testid": `ledger-${l.ledgerId}`, class: "strong" },
                  ledgerName(l),
                ),
                l.salesUnits.length > 1
                  ? h("div", { class: "muted small" }, l.salesUnits.slice(1).map((u) => u.name).join(", "))
                  : null,
              ),
              h("td", { class: "mono" }, l.ledgerId),
              h("td", {}, l.currency),
              h("td", { class: "mono" }, formatOrgNumber(l.owner.id)),
              h("td", { class: "mono", title: t("ledgers.account") }, maskAccount(l.payoutBankAccount.id)),
            ),
          ),
        ),
      ),
    );
  };

  const refresh = async () => {
    refreshButton.disabled = true;
    refreshButton.textContent = t("ledgers.refreshing");
    replace(status);
    try {
      ledgers = await api.refreshLedgers(profile);
      refreshed = true;
      render();
    } catch (e) {
      // Offline or keys rejected: keep showing the cached ledgers under the error.
      replace(status, errorBox(e as UserError, () => void refresh()), ledgers.length ? h("p", { class: "muted" }, t("ledgers.offline")) : null);
    } finally {
      refreshButton.disabled = false;
      refreshButton.textContent = t("ledgers.refresh");
    }
  };
  refreshButton.addEventListener("click", () => void refresh());
  filter.addEventListener("input", render);

  root.replaceChildren(
    screen(
      t("ledgers.title"),
      h("p", { class: "lead" }, t("ledgers.lead")),
      h("div", { class: "toolbar" }, filter, count, h("span", { class: "spacer" }), refreshButton),
      status,
      list,
    ),
  );
  void (async () => {
    try {
      ledgers = await api.cachedLedgers(profile);
      render();
      if (ledgers.length === 0 && !keyless) await refresh();
    } catch (e) {
      replace(list, errorBox(e as UserError));
    }
  })();
}
