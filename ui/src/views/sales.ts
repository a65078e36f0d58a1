// What was sold (issue 17), from the Sales API cache: a capture's order lines, and sales by VAT rate
// for a payout's dates or the month. Shown only when the ledger's sales were synced (accounting keys).
import { api, type UserError } from "../api";
import type { SaleView } from "../bindings/SaleView";
import type { SalesByRate } from "../bindings/SalesByRate";
import { h, replace } from "../dom";
import type { Lang } from "../format";
import { lang, t } from "../i18n";
import { money } from "./common";
import { errorBox } from "./errors";

/** A VAT rate in basis points as a percentage: 2500 → "25 %", 1250 → "12.5 %" / "12,5 %" (not English). */
export function rateText(bp: number, l: Lang): string {
  const whole = Math.trunc(bp / 100);
  const frac = Math.abs(bp % 100);
  const sep = l === "en" ? "." : ",";
  if (frac === 0) return `${whole} %`;
  const digits = frac % 10 === 0 ? String(frac / 10) : String(frac).padStart(2, "0");
  return `${whole}${sep}${digits} %`;
}

/** A quantity in thousandths of a unit: 2000 → "2", 250 → "0.25" / "0,25"; null → "". */
export function quantityText(milli: number | null, l: Lang): string {
  if (milli === null) return "";
  const sign = milli < 0 ? "-" : "";
  const abs = Math.abs(milli);
  const whole = Math.trunc(abs / 1000);
  const frac = String(abs % 1000).padStart(3, "0").replace(/0+$/, "");
  return frac ? `${sign}${whole}${l === "en" ? "." : ","}${frac}` : `${sign}${whole}`;
}

export type RateTableRow = { label: string; gross: number; net: number | null; vat: number | null; testid: string };

/** The rows of a "sales by VAT rate" table: one per rate, then the gross whose VAT was not stated. */
export function rateRows(s: SalesByRate, l: Lang): RateTableRow[] {
  const rows: RateTableRow[] = s.rates.map((r) => ({
    label: rateText(r.rateBp, l),
    gross: r.gross,
    net: r.net,
    vat: r.vat,
    testid: `sales-rate-${r.rateBp}`,
  }));
  if (s.vatUnknown !== 0) rows.push({ label: t("sales.vatUnknown"), gross: s.vatUnknown, net: null, vat: null, testid: "sales-rate-unknown" });
  return rows;
}

function rateTable(s: SalesByRate, cur: string): HTMLElement {
  const l = lang();
  return h(
    "table",
    { class: "table", "data-testid": "sales-by-rate" },
    h("thead", {}, h("tr", {}, h("th", {}, t("sales.rate")), h("th", { class: "right" }, t("sales.gross")), h("th", { class: "right" }, t("sales.net")), h("th", { class: "right" }, t("sales.vat")))),
    h(
      "tbody",
      {},
      rateRows(s, l).map((r) =>
        h(
          "tr",
          { "data-testid": r.testid },
          h("th", { scope: "row" }, r.label),
          h("td", { class: "right" }, money(r.gross, cur)),
          h("td", { class: "right" }, r.net === null ? "" : money(r.net, cur)),
          h("td", { class: "right" }, r.vat === null ? "" : money(r.vat, cur)),
        ),
      ),
    ),
  );
}

/** "Sales by VAT rate": loaded after the screen; nothing at all when no sales are synced. */
export function salesByRatePart(load: () => Promise<SalesByRate>, cur: string, testid: string): HTMLElement {
  const box = h("section", { class: "sales", "data-testid": testid, "aria-label": t("sales.byRate") });
  void load()
    .then((s) => {
      if (s.entries === 0) return;
      replace(
        box,
        h("h2", {}, t("sales.byRate")),
        h("p", { class: "muted small" }, t("sales.lead", { count: String(s.entries), cash: String(s.outsideFunds) })),
        rateTable(s, cur),
        s.checkOk === false ? h("p", { class: "notice", "data-testid": "sales-check" }, t("sales.checkFailed", { detail: s.checkDetail ?? "" })) : null,
      );
      document.body.dataset.salesLoaded = testid;
    })
    .catch((e) => replace(box, errorBox(e as UserError)));
  return box;
}

function saleTable(s: SaleView, cur: string): HTMLElement {
  const l = lang();
  return h(
    "table",
    { class: "table", "data-testid": `order-lines-${s.kind}` },
    h(
      "thead",
      {},
      h("tr", {}, h("th", {}, t("sales.item")), h("th", { class: "right" }, t("sales.quantity")), h("th", { class: "right" }, t("sales.gross")), h("th", { class: "right" }, t("sales.rate")), h("th", { class: "right" }, t("sales.vat"))),
    ),
    h(
      "tbody",
      {},
      s.lines.map((line) =>
        h(
          "tr",
          {},
          h("td", {}, line.name, line.category ? h("span", { class: "muted small" }, ` · ${line.category}`) : null),
          h("td", { class: "right" }, quantityText(line.quantityMilli, l)),
          h("td", { class: "right" }, line.lineTotalGross === null ? "" : money(line.lineTotalGross, cur)),
          h("td", { class: "right" }, line.vatRateBp === null ? t("sales.noVat") : rateText(line.vatRateBp, l)),
          h("td", { class: "right" }, line.vatAmount === null ? "" : money(line.vatAmount, cur)),
        ),
      ),
    ),
  );
}

/** A capture's "order lines" (and its refunds'), loaded after the screen; nothing when none are synced. */
export function orderLinesPart(ledgerId: string, psp: string, cur: string): HTMLElement {
  const box = h("section", { class: "sales", "data-testid": "order-lines", "aria-label": t("sales.orderLines") });
  void api
    .orderLines(ledgerId, psp)
    .then((sales) => {
      if (sales.length === 0) return;
      replace(
        box,
        h("h2", {}, t("sales.orderLines")),
        ...sales.flatMap((s) => [
          h(
            "p",
            { class: "muted small" },
            t(s.kind === "refund" ? "sales.refund" : "sales.sale", { reference: s.reference, payment: s.paymentType }),
            s.vatComplete ? "" : ` ${t("sales.vatIncomplete")}`,
          ),
          s.lines.length > 0 ? saleTable(s, cur) : h("p", { class: "muted" }, t("sales.noLines")),
          ...s.problems.map((p) => h("p", { class: "notice" }, p)),
        ]),
      );
      document.body.dataset.orderLinesLoaded = psp;
    })
    .catch((e) => replace(box, errorBox(e as UserError)));
  return box;
}
