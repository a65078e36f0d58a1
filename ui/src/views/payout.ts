// "What is in this payout?": the covered dates, captures, refunds, fees and other movements,
// adding up to the amount paid into the bank, with the check's result.
import { api, type PayoutDetail, type UserError } from "../api";
import { h, replace } from "../dom";
import { formatDate, formatMoney } from "../format";
import { lang, t } from "../i18n";
import { href } from "../router";
import { backLink, loading, money, screen } from "./common";
import { payoutBankPart } from "./bank";
import { errorBox } from "./errors";
import { salesByRatePart } from "./sales";

/** The parts in the order they are shown, all from the reconciled payout; they sum to `coveredSum`, and `coveredSum − left = amount`. */
export function payoutParts(d: PayoutDetail): { key: string; minor: number }[] {
  const p = d.payout;
  return [
    { key: "carried", minor: p.carriedIn },
    { key: "sales", minor: p.sales },
    { key: "refunds", minor: p.refunds },
    { key: "fees", minor: -p.feesRetained },
    { key: "other", minor: p.other },
  ];
}

export function payoutView(root: HTMLElement, ledgerId: string, psp: string): void {
  const body = h("div", {}, loading());
  const title = h("span", {}, t("payout.title", { label: psp }));
  const back = backLink(href({ name: "ledgers" }));
  root.replaceChildren(screen(title, h("div", { class: "toolbar" }, back), body));
  void (async () => {
    try {
      const d = await api.payoutDetail(ledgerId, psp);
      title.textContent = t("payout.title", { label: d.payout.label });
      // Opened directly, Back goes to the payout's month.
      back.href = href({ name: "month", ledgerId, month: d.payout.date.slice(0, 7) });
      replace(body, render(d, ledgerId));
      document.body.dataset.payoutLoaded = psp;
    } catch (e) {
      replace(body, errorBox(e as UserError));
    }
  })();
}

function render(d: PayoutDetail, ledgerId: string): HTMLElement {
  const cur = d.ledger.currency;
  const p = d.payout;
  const l = lang();
  const labels: Record<string, string> = {
    carried: t("payout.carriedIn"),
    sales: t("payout.captures"),
    refunds: t("payout.refunds"),
    fees: t("payout.feesRetained"),
    other: t("payout.other"),
  };
  const parts = payoutParts(d);
  const caps = captureTotals(d);
  const days = d.days.reduce(
    (a, x) => ({ sales: a.sales + x.sales, refunds: a.refunds + x.refunds, feesRetained: a.feesRetained + x.feesRetained, net: a.net + x.net }),
    { sales: 0, refunds: 0, feesRetained: 0, net: 0 },
  );
  const row = (label: string, minor: number, testid: string, cls = "") =>
    h("tr", { class: cls }, h("th", { scope: "row" }, label), h("td", { class: "right" }, money(minor, cur, testid)));
  return h(
    "div",
    {},
    h(
      "p",
      { class: "lead" },
      t("payout.paidOn", { date: formatDate(p.date, l, "long") }),
      " · ",
      t("payout.covers", { from: formatDate(p.coveredFrom, l), to: formatDate(p.coveredTo, l) }),
    ),
    p.previousPayoutKnown ? null : h("p", { class: "notice" }, t("payout.coversUnknownStart")),
    h(
      "table",
      { class: "table breakdown", "data-testid": "payout-breakdown" },
      h(
        "tbody",
        {},
        parts.filter((x) => x.key !== "carried" || x.minor !== 0).map((x) => row(labels[x.key], x.minor, `part-${x.key}`)),
        row(t("payout.sum"), p.coveredSum, "part-sum", "sum"),
        p.difference !== 0 ? row(t("payout.left"), -p.difference, "part-left") : null,
        row(t("payout.amount"), p.amount, "payout-amount", "grand"),
      ),
    ),
    h(
      "p",
      { class: p.ok ? "ok" : "warn", "data-testid": "payout-check", "data-ok": String(p.ok) },
      p.ok ? t("payout.ok") : t("payout.notOk", { diff: formatMoney(p.difference, cur, l) }),
    ),
    payoutBankPart(ledgerId, d.payout.pspReference),
    salesByRatePart(() => api.salesByRate(ledgerId, p.coveredFrom, p.coveredTo), cur, "payout-sales"),
    h("h2", {}, t("payout.days")),
    h(
      "table",
      { class: "table", "data-testid": "payout-days" },
      h("thead", {}, h("tr", {}, h("th", {}, t("common.date")), h("th", { class: "right" }, t("month.sales")), h("th", { class: "right" }, t("month.refunds")), h("th", { class: "right" }, t("month.fees")), h("th", { class: "right" }, t("month.net")))),
      h(
        "tbody",
        {},
        d.days.map((day) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: href({ name: "day", ledgerId, date: day.date, topic: "funds" }) }, formatDate(day.date, l))),
            h("td", { class: "right" }, money(day.sales, cur)),
            h("td", { class: "right" }, money(day.refunds, cur)),
            h("td", { class: "right" }, money(-day.feesRetained, cur)),
            h("td", { class: "right" }, money(day.net, cur)),
          ),
        ),
      ),
      h(
        "tfoot",
        {},
        h(
          "tr",
          { class: "total-row" },
          h("td", {}, t("payout.daysTotal", { count: d.days.length })),
          h("td", { class: "right" }, money(days.sales, cur, "payout-days-sales")),
          h("td", { class: "right" }, money(days.refunds, cur, "payout-days-refunds")),
          h("td", { class: "right" }, money(-days.feesRetained, cur, "payout-days-fees")),
          h("td", { class: "right" }, money(days.net, cur, "payout-days-net")),
        ),
      ),
    ),
    // Whole dates can hold more than this payout (two payouts on one date): say so with the numbers.
    days.net !== p.coveredSum - p.carriedIn
      ? h("p", { class: "small muted", "data-testid": "payout-days-note" }, t("payout.daysShared", { days: formatMoney(days.net, cur, l), payout: formatMoney(p.coveredSum - p.carriedIn, cur, l) }))
      : null,
    h("h2", {}, t("payout.capturesList"), " ", h("span", { class: "muted small" }, `(${d.captures.length})`)),
    feeNote(d, cur),
    d.captures.length > SHOWN_CAPTURES ? h("p", { class: "small muted", "data-testid": "payout-captures-capped" }, t("payout.capturesCapped", { shown: SHOWN_CAPTURES, count: d.captures.length })) : null,
    h(
      "div",
      { class: "scroll-box" },
      h(
        "table",
        { class: "table", "data-testid": "payout-captures" },
        h("thead", {}, h("tr", {}, h("th", {}, t("common.date")), h("th", {}, t("day.reference")), h("th", {}, t("day.psp")), h("th", { class: "right" }, t("capture.captured")), h("th", { class: "right" }, t("capture.refunds")), h("th", { class: "right" }, t("capture.fees")))),
        h(
          "tbody",
          {},
          d.captures.slice(0, SHOWN_CAPTURES).map((c) =>
            h(
              "tr",
              {},
              h("td", {}, formatDate(c.captureDate, l)),
              h("td", {}, c.reference),
              h("td", { class: "mono" }, h("a", { href: href({ name: "capture", psp: c.pspReference }) }, c.pspReference)),
              h("td", { class: "right" }, money(c.gross, cur)),
              h("td", { class: "right" }, money(c.refunded, cur)),
              h("td", { class: "right" }, money(-c.fees, cur)),
            ),
          ),
        ),
        h(
          "tfoot",
          {},
          h(
            "tr",
            { class: "total-row" },
            h("td", { colspan: 3 }, t("payout.capturesTotal", { count: d.captures.length })),
            h("td", { class: "right" }, money(caps.gross, cur, "payout-captures-gross")),
            h("td", { class: "right" }, money(caps.refunded, cur, "payout-captures-refunded")),
            h("td", { class: "right" }, money(-caps.fees, cur, "payout-captures-fees")),
          ),
        ),
      ),
    ),
  );
}

/** At most this many sales are listed; the totals row always counts all of them. */
const SHOWN_CAPTURES = 500;

/** Σ of the payout's sales (all of them, not only the rows shown). */
export function captureTotals(d: PayoutDetail): { gross: number; refunded: number; fees: number } {
  return d.captures.reduce((a, c) => ({ gross: a.gross + c.gross, refunded: a.refunded + c.refunded, fees: a.fees + c.fees }), { gross: 0, refunded: 0, fees: 0 });
}

/** Why the sales' own fees can differ from the fees taken from this payout: a sale's fee may be
 * booked on a later date (and so taken from a later payout), and this payout's dates can carry
 * fees of earlier sales. `null` when they agree. */
export function feeDifference(d: PayoutDetail): { ofSales: number; taken: number; diff: number } | null {
  const ofSales = captureTotals(d).fees;
  const taken = d.payout.feesRetained;
  return ofSales === taken ? null : { ofSales, taken, diff: taken - ofSales };
}

function feeNote(d: PayoutDetail, cur: string): HTMLElement | null {
  const f = feeDifference(d);
  if (!f) return null;
  const l = lang();
  return h(
    "p",
    { class: "small muted", "data-testid": "payout-fee-note", "data-diff": f.diff },
    t(f.taken === 0 ? "payout.feeNoneTaken" : "payout.feeNote", {
      ofSales: formatMoney(f.ofSales, cur, l),
      taken: formatMoney(f.taken, cur, l),
      diff: formatMoney(Math.abs(f.diff), cur, l),
    }),
  );
}
