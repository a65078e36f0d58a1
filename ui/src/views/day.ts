// One ledger date: funds and fees tables with the balance column, sortable, filterable by type,
// searchable by reference, and virtualized so a 30,000-entry day keeps a bounded number of DOM rows.
import { api, type DayQuery, type Entry, type Topic, type UserError } from "../api";
import type { DaySort } from "../bindings/DaySort";
import { h, replace } from "../dom";
import { formatAmount, formatCount, formatDate, formatTime } from "../format";
import { lang, t, type MessageKey } from "../i18n";
import { href } from "../router";
import { money, openNoteText, screen, statusChip, typeWords, type ChipStatus } from "./common";
import { errorBox } from "./errors";
import { VirtualRows } from "./../virtual";

const ROW_HEIGHT = 34;
const PAGE_SIZE = 250;

export const KNOWN_TYPES: Record<Topic, string[]> = {
  funds: [
    "capture",
    "refund",
    "fees-retained",
    "payout-scheduled",
    "payout-aborted",
    "retained-disputed-capture",
    "returned-disputed-capture",
    "correction",
    "top-up",
    "credit-note",
  ],
  fees: ["capture-fee", "fees-retained", "fees-invoiced", "credit-note", "correction"],
};

function shiftDate(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function dayView(root: HTMLElement, ledgerId: string, date: string, topic: Topic): void {
  const query: DayQuery = { offset: 0, limit: PAGE_SIZE, sort: "seq", descending: false, entryType: null, referenceContains: null };
  let currency = "NOK";
  let total = 0;
  const count = h("span", { class: "muted", "data-testid": "day-count" });
  const status = h("div", { class: "status", "aria-live": "polite" });
  const summary = h("div", { class: "day-summary", "data-testid": "day-summary" });
  const openNote = h("p", { class: "notice", "data-testid": "day-open", hidden: true });
  const title = h("span", {}, formatDate(date, lang(), "long"));

  const typeSelect = h(
    "select",
    { "aria-label": t("day.type"), "data-testid": "type-filter" },
    h("option", { value: "" }, t("day.allTypes")),
    KNOWN_TYPES[topic].map((ty) => h("option", { value: ty, title: ty }, typeWords(ty))),
  );
  const search = h("input", { type: "search", placeholder: t("day.search"), "aria-label": t("day.search"), "data-testid": "reference-search" });

  const columns: { key: DaySort | null; label: MessageKey; cls: string }[] = [
    { key: "time", label: "day.time", cls: "c-time" },
    { key: "type", label: "day.type", cls: "c-type" },
    { key: null, label: "day.reference", cls: "c-ref" },
    { key: null, label: "day.psp", cls: "c-psp" },
    { key: "amount", label: "day.amount", cls: "c-amount right" },
    { key: null, label: "day.balance", cls: "c-balance right" },
  ];
  const headerCells = columns.map((c) => {
    if (!c.key) {
      // The columns that need a word of explanation say it on hover.
      const help = c.label === "day.balance" ? t("day.balanceHelp") : c.label === "day.psp" ? t("day.pspHelp") : undefined;
      return h("div", { class: `cell ${c.cls}`, role: "columnheader", title: help }, t(c.label));
    }
    const button = h("button", { type: "button", class: "sort", "data-sort": c.key, "data-testid": `sort-${c.key}` }, t(c.label));
    button.title = t("day.sortBy", { column: t(c.label) });
    button.addEventListener("click", () => {
      query.descending = query.sort === c.key ? !query.descending : c.key === "amount";
      query.sort = c.key as DaySort;
      markSort();
      void rows.reset();
    });
    return h("div", { class: `cell ${c.cls}`, role: "columnheader", "data-col": c.key }, button);
  });
  const markSort = () => {
    for (const cell of headerCells) {
      const col = cell.dataset.col;
      if (!col) continue;
      cell.setAttribute("aria-sort", col === query.sort ? (query.descending ? "descending" : "ascending") : "none");
    }
  };
  markSort();

  const viewport = h("div", { class: "vviewport", tabindex: "0", "data-testid": "day-table", "aria-label": t(topic === "funds" ? "day.funds" : "day.fees") });
  const renderRow = (e: Entry, i: number): HTMLElement => {
    const unknown = !KNOWN_TYPES.funds.includes(e.entryType) && !KNOWN_TYPES.fees.includes(e.entryType) && e.entryType !== "scheduled-for-payout";
    const isPayout = e.entryType === "payout-scheduled" || e.entryType === "scheduled-for-payout";
    const pspCell = isPayout
      ? h("a", { href: href({ name: "payout", ledgerId, psp: e.pspReference }) }, e.pspReference)
      : h("a", { href: href({ name: "capture", psp: e.pspReference }) }, e.pspReference);
    return h(
      "div",
      { class: `vrow${i % 2 ? " odd" : ""}`, role: "row", "data-testid": "entry-row", "data-index": i, "data-type": e.entryType, "data-amount": e.amount, "data-balance": e.balanceAfter },
      h("div", { class: "cell c-time", role: "cell" }, formatTime(e.time, e.currency, lang())),
      h("div", { class: `cell c-type${unknown ? " unknown" : ""}`, role: "cell", title: unknown ? t("day.unknownType") : e.entryType }, typeWords(e.entryType)),
      h("div", { class: "cell c-ref", role: "cell", title: e.reference }, e.reference),
      h("div", { class: "cell c-psp mono", role: "cell" }, pspCell),
      h("div", { class: `cell c-amount right num${e.amount < 0 ? " neg" : ""}`, role: "cell" }, formatAmount(e.amount, lang())),
      h("div", { class: "cell c-balance right num", role: "cell" }, formatAmount(e.balanceAfter, lang())),
    );
  };
  const rows = new VirtualRows<Entry>({
    viewport,
    rowHeight: ROW_HEIGHT,
    pageSize: PAGE_SIZE,
    fetchPage: async (offset, limit) => {
      const page = await api.dayEntries(ledgerId, topic, date, { ...query, offset, limit });
      if (page.entries[0]) currency = page.entries[0].currency;
      return { total: Number(page.total), rows: page.entries };
    },
    renderRow,
    renderPlaceholder: (i) => h("div", { class: "vrow placeholder", role: "row", "data-index": i }, h("div", { class: "cell" }, "…")),
    onTotal: (n) => {
      const filtered = Boolean(query.entryType || query.referenceContains);
      if (!filtered) total = n;
      count.textContent =
        n === 0
          ? t("day.none")
          : filtered && total > 0
            ? t("day.countFiltered", { count: formatCount(n, lang()), total: formatCount(total, lang()) })
            : t("day.count", { count: formatCount(n, lang()) });
      document.body.dataset.dayTotal = String(n);
    },
    onError: (e) => replace(status, errorBox(e as UserError)),
  });

  typeSelect.addEventListener("change", () => {
    query.entryType = typeSelect.value || null;
    void rows.reset();
  });
  let debounce = 0;
  search.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(() => {
      query.referenceContains = search.value.trim() || null;
      void rows.reset();
    }, 200);
  });

  const tab = (which: Topic, label: MessageKey) =>
    h(
      "a",
      {
        href: href({ name: "day", ledgerId, date, topic: which }),
        class: `tab${which === topic ? " active" : ""}`,
        "aria-current": which === topic ? "page" : undefined,
        "data-testid": `tab-${which}`,
      },
      t(label),
    );

  root.replaceChildren(
    screen(
      title,
      h(
        "div",
        { class: "toolbar" },
        h("a", { href: href({ name: "month", ledgerId, month: date.slice(0, 7) }), class: "button secondary", "data-testid": "back-to-month" }, "‹ ", t("common.back")),
        h("a", { href: href({ name: "day", ledgerId, date: shiftDate(date, -1), topic }), class: "button secondary", "aria-label": t("day.prev"), title: t("day.prev") }, "‹"),
        h("a", { href: href({ name: "day", ledgerId, date: shiftDate(date, 1), topic }), class: "button secondary", "aria-label": t("day.next"), title: t("day.next") }, "›"),
        h("nav", { class: "tabs", "aria-label": t("day.topic") }, tab("funds", "day.funds"), tab("fees", "day.fees")),
      ),
      summary,
      openNote,
      h("div", { class: "toolbar" }, typeSelect, search, h("span", { class: "spacer" }), count),
      status,
      h("div", { class: "vtable", role: "table" }, h("div", { class: "vhead", role: "row" }, headerCells), viewport),
    ),
  );
  void rows.reset().then(async () => {
    try {
      const d = await api.daySummary(ledgerId, date);
      const cur = currency;
      // The date's state comes from Rust; "complete" needs no chip (the month shows its payout).
      const state: ChipStatus | null = d.state === "complete" ? null : d.state;
      const item = (label: MessageKey, minor: number, testid: string) =>
        h("div", { class: "total small-total" }, h("div", { class: "label" }, t(label)), money(minor, cur, testid));
      replace(
        summary,
        item("month.sales", d.sales, "day-sales"),
        item("month.refunds", d.refunds, "day-refunds"),
        item("month.fees", -d.fees, "day-fees"),
        item("month.net", d.net, "day-net"),
        item("month.payouts", d.payout, "day-payout"),
        state ? h("div", { class: "total small-total" }, statusChip(state, null, d.open)) : null,
      );
      if (d.open) {
        openNote.textContent = openNoteText(d.open);
        openNote.hidden = false;
        // Today's figures are what has arrived so far, and say so.
        if (d.open.why === "today") title.textContent = `${t("day.todaySoFar")} · ${formatDate(date, lang(), "long")}`;
      }
    } catch (e) {
      replace(status, errorBox(e as UserError));
    }
  });
}
