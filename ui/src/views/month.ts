// The month: a calendar of ledger dates with their figures and payout status, month totals, a chart,
// and Sync with live progress and Cancel.
import { api, type BankMonth, type MonthView, type PayoutInBank, type SyncProgress, type SyncSummary, type UserError } from "../api";
import type { MonthDay } from "../bindings/MonthDay";
import type { MonthTotals } from "../bindings/MonthTotals";
import type { Settlement } from "../bindings/Settlement";
import { h, replace } from "../dom";
import { formatCount, formatDate, formatMonth, monthDates, shiftMonth, weekdayMondayFirst } from "../format";
import { lang, t, type MessageKey } from "../i18n";
import { href } from "../router";
import { app } from "../state";
import { monthChart } from "./chart";
import { loading, money, openNoteText, screen, statusChip, type ChipStatus } from "./common";
import { bankSection } from "./bank";
import { errorBox } from "./errors";
import { ledgerName } from "./ledgers";
import { salesByRatePart } from "./sales";


/** "6 of 76 days · 3,400 entries · about 2 min left": days, not the API's topic-dates (each day is
 * fetched as money in and out, and fees); the time left once `elapsedSecs` tells the pace. */
export function progressText(p: SyncProgress, elapsedSecs?: number): string {
  const l = lang();
  const days = (n: number, up: boolean) => (up ? Math.ceil(n / 2) : Math.floor(n / 2));
  const base = t("month.progress", {
    done: formatCount(days(p.datesDone, false), l),
    total: formatCount(days(p.datesTotal, true), l),
    entries: formatCount(p.entriesStored, l),
  });
  let pace = t("month.rate", { rate: formatCount(Math.round(p.entriesPerSec), l) });
  if (elapsedSecs && elapsedSecs >= 2 && p.datesDone > 0 && p.datesDone < p.datesTotal) {
    const left = Math.round(((p.datesTotal - p.datesDone) * elapsedSecs) / p.datesDone);
    pace = left < 60 ? t("month.leftSecs", { secs: formatCount(Math.max(1, left), l) }) : t("month.leftMins", { mins: formatCount(Math.round(left / 60), l) });
  }
  return `${base} · ${pace}` + (p.waitingSecs ? ` · ${t("month.waiting", { secs: formatCount(p.waitingSecs, l) })}` : "");
}

interface RunningSync {
  key: string;
  progress: SyncProgress | null;
  done: Promise<unknown>;
  summary: SyncSummary | null;
}

/** The month's days by how they stand, as the calendar shows them (days, not the API's
 * topic-dates): closed, still waiting for Vipps to close, failed, not fetched. Days still to come
 * are not counted. */
export function dayCounts(days: Pick<MonthDay, "state">[]): { closed: number; open: number; failed: number; missing: number } {
  const c = { closed: 0, open: 0, failed: 0, missing: 0 };
  for (const d of days) {
    if (d.state === "paid" || d.state === "carried" || d.state === "complete") c.closed++;
    else if (d.state === "openUpstream") c.open++;
    else if (d.state === "failed") c.failed++;
    else if (d.state === "notSynced") c.missing++;
  }
  return c;
}

function syncDoneLine(s: SyncSummary, view: MonthView | null): HTMLElement {
  const l = lang();
  const c = view ? dayCounts(view.days) : null;
  const text = s.cancelled
    ? t("month.syncCancelled")
    : c
      ? [
          t("month.syncDoneDays", { count: c.closed, closed: formatCount(c.closed, l) }),
          c.open ? t("month.syncOpenDays", { count: c.open, open: formatCount(c.open, l) }) : null,
          c.failed ? t("month.syncFailedDays", { count: c.failed, failed: formatCount(c.failed, l) }) : null,
          t("month.syncEntries", { count: s.entriesStored, entries: formatCount(s.entriesStored, l) }),
        ]
          .filter(Boolean)
          .join(" · ")
      : t("month.syncDone", { complete: s.complete + s.alreadyComplete, open: s.open, failed: s.failed.length });
  return h(
    "div",
    {},
    h("p", { class: s.failed.length || c?.failed ? "warn" : "ok", "data-testid": "sync-done" }, text),
    // Why dates failed, in the sync engine's words (the calendar marks them "failed").
    s.failed.length
      ? h("ul", { class: "small", "data-testid": "sync-failures" }, s.failed.slice(0, 3).map((f) => h("li", {}, `${formatDate(f.date, l)}: ${f.reason}`)))
      : null,
  );
}
let running: RunningSync | null = null;

export function monthView(root: HTMLElement, ledgerId: string, month: string): void {
  const key = `${ledgerId}|${month}`;
  const body = h("div", { class: "month-body" }, loading());
  const title = h("span", {}, formatMonth(month, lang()));
  const syncButton = h("button", { type: "button", class: "primary", "data-testid": "sync" }, t("month.sync"));
  // A profile of imported settlement reports has no keys: nothing to sync.
  syncButton.hidden = app.profiles.find((p) => p.name === app.profile)?.kind === "files";
  const cancelButton = h("button", { type: "button", class: "secondary", "data-testid": "sync-cancel", hidden: true }, t("month.cancel"));
  const bar = h("progress", { max: 1, value: 0, "data-testid": "sync-progress", "aria-label": t("month.syncing") });
  const progressLine = h("span", { class: "muted", "data-testid": "sync-progress-text" });
  const progressBox = h("div", { class: "progress", hidden: true }, bar, progressLine);
  const syncStatus = h("div", { class: "status", "aria-live": "polite", "data-testid": "sync-status" });
  // The payout list shows each payout's day in the bank (matched, or expected) once the bank part knows it.
  const bank = bankSection(ledgerId, month, (m) => fillPayoutBank(body, m));
  const importButton = h("button", { type: "button", class: "secondary", "data-testid": "bank-import-button", onclick: () => bank.startImport() }, t("bank.import"));

  let syncStarted: number | undefined;
  const showProgress = (p: SyncProgress) => {
    progressBox.hidden = false;
    bar.max = Math.max(1, p.datesTotal);
    bar.value = p.datesDone;
    bar.dataset.done = String(p.datesDone);
    bar.dataset.total = String(p.datesTotal);
    syncStarted ??= Date.now();
    progressLine.textContent = progressText(p, (Date.now() - syncStarted) / 1000);
  };

  let lastView: MonthView | null = null;
  const load = async () => {
    try {
      const view = await api.monthReport(ledgerId, month);
      if (!root.isConnected) return;
      lastView = view;
      title.textContent = `${ledgerName(view.ledger)} · ${formatMonth(month, lang())}`;
      // A month that has not begun (by the ledger's own today) has nothing to sync.
      const future = month > view.today.slice(0, 7);
      if (future) syncButton.hidden = true;
      replace(body, future ? h("p", { class: "notice", "data-testid": "month-future" }, t("month.future")) : renderMonth(view, ledgerId, month));
      document.body.dataset.monthLoaded = key;
      bank.refresh();
    } catch (e) {
      replace(body, errorBox(e as UserError, () => void load()));
    }
  };

  const follow = (sync: RunningSync) => {
    // Focus goes back where it was when the sync ends (the Sync button is disabled meanwhile, which
    // would otherwise drop it to the page).
    const focused = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : syncButton;
    syncButton.disabled = true;
    syncButton.textContent = t("month.syncing");
    cancelButton.hidden = false;
    // "Not fetched yet" is no longer true once the sync runs.
    for (const n of body.querySelectorAll<HTMLElement>("[data-testid=month-missing]")) n.hidden = true;
    if (sync.progress) showProgress(sync.progress);
    void sync.done.finally(async () => {
      if (!root.isConnected) return;
      syncButton.disabled = false;
      syncButton.textContent = t("month.sync");
      cancelButton.hidden = true;
      await load();
      if (!root.isConnected) return;
      if (sync.summary) replace(syncStatus, syncDoneLine(sync.summary, lastView));
      (focused.isConnected ? focused : syncButton).focus();
    });
  };

  syncButton.addEventListener("click", async () => {
    const profile = app.profile;
    if (!profile || running) return;
    replace(syncStatus);
    const unlisten = await api.onSyncProgress((p) => {
      if (running?.key === key) running.progress = p;
      if (root.isConnected) showProgress(p);
    });
    const sync: RunningSync = { key, progress: null, done: Promise.resolve(), summary: null };
    sync.done = api
      .syncMonth(profile, ledgerId, month)
      .then((s) => {
        // The line is written once the month is read again, so it counts days as the calendar shows them.
        sync.summary = s;
      })
      .catch((e) => {
        if (root.isConnected) replace(syncStatus, errorBox(e as UserError));
      })
      .finally(() => {
        unlisten();
        running = null;
      });
    running = sync;
    follow(sync);
  });
  cancelButton.addEventListener("click", () => void api.cancelSync());

  root.replaceChildren(
    screen(
      title,
      h(
        "div",
        { class: "toolbar" },
        h("a", { href: href({ name: "month", ledgerId, month: shiftMonth(month, -1) }), class: "button secondary", "data-testid": "month-prev" }, "‹ ", t("month.prev")),
        h("a", { href: href({ name: "month", ledgerId, month: shiftMonth(month, 1) }), class: "button secondary", "data-testid": "month-next" }, t("month.next"), " ›"),
        h("span", { class: "spacer" }),
        syncButton,
        cancelButton,
        importButton,
        h("a", { href: href({ name: "export", ledgerId, month }), class: "button secondary", "data-testid": "month-export" }, t("month.export")),
      ),
      progressBox,
      syncStatus,
      body,
      bank.el,
    ),
  );
  if (running?.key === key) follow(running);
  else if (running) {
    // One sync at a time: another month is syncing.
    syncButton.disabled = true;
    syncButton.title = t("month.syncing");
    void running.done.finally(() => {
      syncButton.disabled = false;
      syncButton.removeAttribute("title");
    });
  }
  void load();
}

/** Each payout's day in the bank, in the payout list: the matched line's booking date, or the
 * expected one (marked so) while no statement shows it; and the text the bank shows for it. */
export function payoutBankCell(p: PayoutInBank): { date: string; expected: boolean; text: string } {
  const matched = p.bankDate !== null;
  const text = p.lines.find((x) => x.text)?.text ?? p.expectedText;
  return { date: matched ? (p.bankDate as string) : p.expectedDate, expected: !matched, text };
}

function fillPayoutBank(body: HTMLElement, m: BankMonth): void {
  const l = lang();
  const byPsp = new Map(m.payouts.map((p) => [p.pspReference, p]));
  for (const td of body.querySelectorAll<HTMLElement>("[data-testid=payout-bank-date]")) {
    const p = byPsp.get(td.dataset.psp ?? "");
    if (!p) {
      td.textContent = "–";
      continue;
    }
    const c = payoutBankCell(p);
    td.dataset.expected = String(c.expected);
    td.title = p.reason;
    replace(td, c.expected ? h("span", { class: "muted" }, t("month.payout.expected", { date: formatDate(c.date, l) })) : formatDate(c.date, l));
  }
  for (const td of body.querySelectorAll<HTMLElement>("[data-testid=payout-bank-text]")) {
    const p = byPsp.get(td.dataset.psp ?? "");
    td.textContent = (p ? payoutBankCell(p).text : td.textContent === "…" ? "" : td.textContent) || "–";
  }
}

/** Where an arrow key goes from day `index` (0-based) in a month of `count` days: a day left or
 * right, a week up or down, Home/End to the first/last day; `null` for other keys or past the month. */
export function calendarMove(key: string, index: number, count: number): number | null {
  const to =
    key === "ArrowLeft" ? index - 1 : key === "ArrowRight" ? index + 1 : key === "ArrowUp" ? index - 7 : key === "ArrowDown" ? index + 7 : key === "Home" ? 0 : key === "End" ? count - 1 : null;
  return to === null || to < 0 || to >= count ? null : to;
}

/** The calendar as one Tab stop: the day links take turns (roving tabindex), arrow keys move
 * between days, Enter opens one. The stop starts on today (or the first day). */
function calendarKeys(cal: HTMLElement, today: string): HTMLElement {
  // By day of the month (index 0 = the 1st), so a week up or down is always 7 days.
  const byDay = new Map<number, HTMLAnchorElement>();
  for (const a of cal.querySelectorAll<HTMLAnchorElement>("a.cal-link")) byDay.set(Number((a.dataset.testid ?? "").slice(-2)) - 1, a);
  if (!byDay.size) return cal;
  const count = Math.max(...byDay.keys()) + 1;
  const todayLink = [...byDay.values()].find((a) => a.dataset.testid === `day-${today}`);
  const first = todayLink ?? byDay.get(Math.min(...byDay.keys()));
  for (const a of byDay.values()) a.tabIndex = a === first ? 0 : -1;
  cal.addEventListener("keydown", (ev) => {
    const entry = [...byDay.entries()].find(([, a]) => a === document.activeElement);
    if (!entry) return;
    const to = calendarMove(ev.key, entry[0], count);
    const target = to === null ? undefined : byDay.get(to);
    if (!target) return;
    ev.preventDefault();
    entry[1].tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
  });
  return cal;
}

/** The bridge as a sentence of figures under the cards. */
function bridgeLine(b: Bridge | null, cur: string): HTMLElement | null {
  if (!b) return null;
  const part = (key: MessageKey, minor: number) => h("span", { class: "bridge-part" }, t(key), " ", money(minor, cur));
  return h(
    "p",
    { class: "bridge small muted", "data-testid": "month-bridge" },
    part("month.bridge.net", b.net),
    " + ",
    part("month.bridge.in", b.carriedIn),
    " − ",
    part("month.bridge.out", b.carriedOut),
    b.rest !== 0 ? (b.rest > 0 ? " + " : " − ") : null,
    b.rest !== 0 ? part(b.restKind === "invoiced" ? "month.bridge.invoiced" : "month.bridge.otherDays", Math.abs(b.rest)) : null,
    " = ",
    part("month.bridge.paid", b.paid),
  );
}

/** How the month's net became what was paid into the bank: net + carried in from last month −
 * kept back for the next payout (+ fees not taken from this month's payouts) = paid to the bank.
 * `null` when there is nothing to explain (no balance carried either way, nothing else) or the
 * balances are unknown (a portal file without them). */
export type Bridge = { net: number; carriedIn: number; carriedOut: number; rest: number; restKind: "invoiced" | "otherDays"; paid: number };
export function monthBridge(t: MonthTotals, settlement: Settlement): Bridge | null {
  if (t.fundsOpening == null || t.fundsClosing == null) return null;
  const rest = t.payout - (t.net + t.fundsOpening - t.fundsClosing);
  if (t.fundsOpening === 0 && t.fundsClosing === 0 && rest === 0) return null;
  return {
    net: t.net,
    carriedIn: t.fundsOpening,
    carriedOut: t.fundsClosing,
    rest,
    restKind: settlement === "gross" ? "invoiced" : "otherDays",
    paid: t.payout,
  };
}

function renderMonth(view: MonthView, ledgerId: string, month: string): HTMLElement {
  const { report } = view;
  const cur = view.ledger.currency;
  const totals = report.totals;
  const byDate = new Map(report.days.map((d) => [d.date, d]));
  // Each date's state and payout links come from Rust (MonthDay): the window merges nothing.
  const states = new Map(view.days.map((d) => [d.date, d]));
  const synced = view.days.some((d) => d.state !== "notSynced" && d.state !== "upcoming");
  // Dates still to come cannot be synced; only past dates count as missing.
  const missingPast = view.days.filter((d) => d.state === "notSynced" || d.state === "failed").length;

  const totalCard = (label: string, minor: number, testid: string, extra?: string) =>
    h("div", { class: "total" }, h("div", { class: "label" }, label), money(minor, cur, testid), extra ? h("div", { class: "muted small" }, extra) : null);

  const weekdays = t("weekday.short").split(",");
  const dates = monthDates(month);
  const lead = weekdayMondayFirst(dates[0]);
  const cells: HTMLElement[] = [];
  for (let i = 0; i < lead; i++) cells.push(h("div", { class: "cal-cell empty", "aria-hidden": "true" }));
  for (const date of dates) {
    const d = byDate.get(date);
    if (!d) {
      cells.push(h("div", { class: "cal-cell" }, String(Number(date.slice(8)))));
      continue;
    }
    const day = states.get(date);
    const status: ChipStatus = day?.state ?? "notSynced";
    const future = status === "upcoming";
    cells.push(
      h(
        "div",
        { class: `cal-cell status-${future ? "future" : status}`, "data-testid": `cal-${date}`, "data-status": future ? "future" : status },
        h(
          "a",
          { href: href({ name: "day", ledgerId, date, topic: "funds" }), class: "cal-link", "data-testid": `day-${date}` },
          h("span", { class: "cal-date" }, String(Number(date.slice(8)))),
          d.fundsCount + d.feesCount > 0
            ? h(
                "span",
                { class: "cal-figures" },
                h("span", { class: "small" }, t("month.sales"), " ", money(d.sales, cur)),
                // Refunds too, so sales − refunds − fees = net can be read in every cell.
                d.refunds !== 0 ? h("span", { class: "small" }, t("month.refunds"), " ", money(d.refunds, cur)) : null,
                h("span", { class: "small" }, t("month.fees"), " ", money(-d.fees, cur)),
                h(
                  "span",
                  { class: "small strong", title: status === "openUpstream" ? t("month.netNotFinal") : "" },
                  status === "openUpstream" ? t("month.netSoFar") : t("month.net"),
                  " ",
                  money(d.net, cur),
                ),
              )
            : null,
        ),
        h(
          "div",
          { class: "cal-foot" },
          future ? null : statusChip(status, day?.paidIn?.label, day?.open),
          ...(day?.payouts ?? []).map((p, i) =>
            h(
              "a",
              {
                href: href({ name: "payout", ledgerId, psp: p.pspReference }),
                class: "badge",
                title: t("month.chart.payout"),
                "data-testid": i === 0 ? `payout-badge-${date}` : `payout-badge-${date}-${i + 1}`,
              },
              p.label,
            ),
          ),
        ),
      ),
    );
  }

  const payouts = report.payouts.filter((p) => p.date.startsWith(month));
  // Why the month's past dates are still open, once per reason ("monthly settlement: closes …").
  const openReasons = new Map<string, { text: string; count: number }>();
  for (const d of view.days) {
    if (!d.open || d.open.why === "today") continue;
    const text = openNoteText(d.open, true);
    const seen = openReasons.get(text);
    openReasons.set(text, { text, count: (seen?.count ?? 0) + 1 });
  }
  const failed = report.checks.filter((c) => !c.ok);
  const notAvailable = report.checks.filter((c) => c.notAvailable);

  return h(
    "div",
    {},
    view.missingDates > 0 && missingPast > 0
      ? h(
          "p",
          { class: "notice", "data-testid": "month-missing" },
          // A keyless profile has nothing to sync: its dates come from the portal's reports.
          app.profiles.find((p) => p.name === app.profile)?.kind === "files"
            ? t("month.notImported")
            : synced
              ? t("month.notSynced")
              : t("month.empty"),
        )
      : null,
    // Before anything is fetched there are no figures to show: no zeros dressed as figures and no
    // checks alarm, only the notice above with its Sync button and the calendar's not-synced days.
    !synced
      ? null
      : h(
      "section",
      { class: "totals", "aria-label": t("month.totals"), "data-testid": "month-totals" },
      totalCard(t("month.sales"), totals.sales, "total-sales"),
      totalCard(t("month.refunds"), totals.refunds, "total-refunds"),
      totalCard(t("month.fees"), -totals.fees, "total-fees"),
      totalCard(t("month.net"), totals.net, "total-net"),
      totalCard(t("month.payouts"), totals.payout, "total-payout", t("month.payoutCount", { count: totals.payoutCount })),
    ),
    synced ? bridgeLine(monthBridge(totals, report.settlement), cur) : null,
    !synced
      ? null
      : h(
      "figure",
      { class: "chart-box" },
      monthChart(report.days, cur),
      h(
        "figcaption",
        { class: "legend small" },
        h("span", { class: "key key-net" }),
        t("month.chart.net"),
        h("span", { class: "key key-payout" }),
        t("month.chart.payout"),
      ),
    ),
    h("h2", {}, t("month.calendar")),
    calendarKeys(
      h(
        "div",
        { class: "calendar", "data-testid": "calendar", "aria-label": t("month.calendar.keys") },
        weekdays.map((w) => h("div", { class: "cal-head", "aria-hidden": "true" }, w)),
        cells,
      ),
      view.today,
    ),
    [...openReasons.values()].map((r) => h("p", { class: "muted small", "data-testid": "month-open" }, t("month.openDates", { count: r.count, why: r.text }))),
    synced ? h("h2", {}, t("month.payoutList")) : null,
    !synced
      ? null
      : payouts.length
      ? h(
          "table",
          { class: "table", "data-testid": "payout-list" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, t("month.payout.number")),
              h("th", {}, t("month.payout.date")),
              h("th", { class: "right" }, t("month.payout.amount")),
              h("th", { title: t("month.payout.bankDate.title") }, t("month.payout.bankDate")),
              h("th", { title: t("month.payout.bankText.title") }, t("month.payout.bankText")),
              h("th", {}, t("month.payout.checks")),
            ),
          ),
          h(
            "tfoot",
            {},
            h(
              "tr",
              { class: "total-row" },
              h("td", {}, t("month.payout.total", { count: payouts.length })),
              h("td", {}),
              h("td", { class: "right" }, money(payouts.reduce((a, p) => a + p.amount, 0), cur, "payout-list-total")),
              h("td", {}),
              h("td", {}),
              h("td", {}),
            ),
          ),
          h("tbody", {}, payouts.map((p) =>
            h(
              "tr",
              {},
              h("td", {}, h("a", { href: href({ name: "payout", ledgerId, psp: p.pspReference }), "data-testid": "payout-link", "data-psp": p.pspReference }, p.label)),
              h("td", {}, formatDate(p.date, lang())),
              h("td", { class: "right" }, money(p.amount, cur)),
              h("td", { "data-testid": "payout-bank-date", "data-psp": p.pspReference }, "…"),
              h("td", { class: "small", "data-testid": "payout-bank-text", "data-psp": p.pspReference }, p.bankText || "…"),
              h("td", {}, h("span", { class: p.ok ? "chip chip-paid" : "chip chip-failed" }, p.ok ? t("common.ok") : t("common.fail"))),
            ),
          )),
        )
      : h("p", { class: "muted" }, "–"),
    report.feeInvoices.length
      ? [
          h("h2", {}, t("month.feeInvoices")),
          h(
            "table",
            { class: "table", "data-testid": "fee-invoices" },
            h(
              "tfoot",
              {},
              h(
                "tr",
                { class: "total-row" },
                h("td", { colspan: 2 }, t("month.feeInvoices.total", { count: report.feeInvoices.length })),
                h("td", { class: "right" }, money(report.feeInvoices.reduce((a, f) => a + f.amount, 0), cur, "fee-invoices-total")),
                h("td", {}),
              ),
            ),
            h("tbody", {}, report.feeInvoices.map((f) =>
              h(
                "tr",
                {},
                h("td", {}, formatDate(f.date, lang())),
                h("td", {}, f.reference),
                h("td", { class: "right" }, money(f.amount, cur)),
                h("td", {}, h("span", { class: f.ok ? "chip chip-paid" : "chip chip-failed" }, f.ok ? t("common.ok") : t("common.fail"))),
              ),
            )),
          ),
        ]
      : null,
    report.unknownTypes.length
      ? h(
          "div",
          { class: "notice", "data-testid": "unknown-types" },
          t("month.unknownTypes"),
          h("ul", {}, report.unknownTypes.map((u) => h("li", {}, `${u.entryType} (${u.topic}): ${u.count}, `, money(u.amount, cur)))),
        )
      : null,
    synced ? salesByRatePart(() => api.monthSales(ledgerId, month), cur, "month-sales") : null,
    synced ? h("h2", {}, t("month.checks")) : null,
    synced ? h("p", { class: report.allOk ? "ok" : "warn", "data-testid": "checks-summary" }, report.allOk ? t("month.allOk") : t("month.notAllOk")) : null,
    synced && failed.length
      ? h("ul", { class: "checks" }, failed.map((c) => h("li", {}, h("details", {}, h("summary", {}, c.title, ": ", c.detail), h("ul", { class: "small mono" }, c.problems.slice(0, 20).map((p) => h("li", {}, p)))))))
      : null,
    notAvailable.length
      ? h(
          "p",
          { class: "muted", "data-testid": "checks-not-available" },
          t("portal.checks.notAvailable", { checks: notAvailable.map((c) => c.title).join(", ") }),
        )
      : null,
  );
}
