// One payment: the capture, its refunds, its fee(s) even when charged on a later date, and its payout.
import { api, type CaptureDetail, type UserError } from "../api";
import { h, replace } from "../dom";
import type { Entry } from "../bindings/Entry";
import { formatDate, formatMoney } from "../format";
import { lang, t } from "../i18n";
import { href } from "../router";
import { backLink, loading, money, screen, typeWords } from "./common";
import { errorBox } from "./errors";
import { orderLinesPart } from "./sales";

export function captureView(root: HTMLElement, psp: string): void {
  const body = h("div", {}, loading());
  const back = backLink(href({ name: "search", text: psp }));
  root.replaceChildren(screen(t("capture.title", { psp }), h("div", { class: "toolbar" }, back), body));
  void (async () => {
    try {
      const d = await api.captureDetail(psp);
      const date = d.capture?.captureDate ?? d.entries[0]?.ledgerDate;
      const ledgerId = d.ledger?.ledgerId ?? d.entries[0]?.ledgerId;
      // Opened directly, Back goes to the sale's day.
      if (date && ledgerId) back.href = href({ name: "day", ledgerId, date, topic: "funds" });
      replace(body, render(d));
      document.body.dataset.captureLoaded = psp;
    } catch (e) {
      replace(body, errorBox(e as UserError));
    }
  })();
}

function render(d: CaptureDetail): HTMLElement {
  const l = lang();
  const cur = d.ledger?.currency ?? d.entries[0]?.currency ?? "NOK";
  const ledgerId = d.ledger?.ledgerId ?? d.entries[0]?.ledgerId ?? "";
  const c = d.capture;
  // A refund split over captures with the same order reference: this capture's share of it.
  const share = (e: Entry): number | null => {
    const m = c?.refunds.find((r) => r.pspReference === e.pspReference && r.ledgerDate === e.ledgerDate && r.seq === e.seq);
    return e.topic === "funds" && m && m.amount !== e.amount ? m.amount : null;
  };
  const summary = c
    ? h(
        "table",
        { class: "table breakdown", "data-testid": "capture-summary" },
        h(
          "tbody",
          {},
          h("tr", {}, h("th", { scope: "row" }, t("capture.captured"), " · ", formatDate(c.captureDate, l), " · ", c.reference), h("td", { class: "right" }, money(c.gross, cur, "capture-gross"))),
          h("tr", {}, h("th", { scope: "row" }, t("capture.refunds")), h("td", { class: "right" }, money(c.refunded, cur, "capture-refunded"))),
          h(
            "tr",
            {},
            h(
              "th",
              { scope: "row" },
              t("capture.fees"),
              c.feeDate ? ` · ${formatDate(c.feeDate, l)}` : "",
              c.feeDate && c.feeDate > c.captureDate ? h("span", { class: "chip chip-carried" }, t("capture.feeLater")) : null,
            ),
            h("td", { class: "right" }, money(-c.fees, cur, "capture-fees")),
          ),
          h("tr", { class: "sum" }, h("th", { scope: "row" }, t("capture.net")), h("td", { class: "right" }, money(c.net, cur, "capture-net"))),
          h(
            "tr",
            {},
            h("th", { scope: "row" }, t("capture.payout")),
            h(
              "td",
              { class: "right" },
              d.payout
                ? h("a", { href: href({ name: "payout", ledgerId, psp: d.payout.pspReference }), "data-testid": "capture-payout" }, d.payout.label, c.payoutDate ? ` · ${formatDate(c.payoutDate, l)}` : "")
                : t("capture.notPaid"),
            ),
          ),
        ),
      )
    : h("p", { class: "notice" }, t("capture.notFound"));
  return h(
    "div",
    {},
    summary,
    c && ledgerId ? orderLinesPart(ledgerId, c.pspReference, cur) : null,
    h("h2", {}, t("capture.entries")),
    h(
      "table",
      { class: "table", "data-testid": "capture-entries" },
      h("thead", {}, h("tr", {}, h("th", {}, t("common.date")), h("th", {}, t("day.type")), h("th", {}, t("day.reference")), h("th", { class: "right" }, t("day.amount")))),
      h(
        "tbody",
        {},
        [...d.entries, ...d.relatedRefunds].map((e) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: href({ name: "day", ledgerId: e.ledgerId, date: e.ledgerDate, topic: e.topic }) }, formatDate(e.ledgerDate, l))),
            h("td", { title: e.entryType }, `${e.topic === "fees" ? t("day.fees") : t("day.funds")}: ${typeWords(e.entryType)}`),
            h("td", {}, e.reference),
            share(e) === null
              ? h("td", { class: "right" }, money(e.amount, e.currency))
              : h(
                  "td",
                  { class: "right" },
                  money(share(e) as number, e.currency),
                  " ",
                  h("span", { class: "muted small" }, t("capture.refundShare", { amount: formatMoney(e.amount, e.currency, l) })),
                ),
          ),
        ),
      ),
    ),
  );
}
