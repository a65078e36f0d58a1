import { describe, expect, it } from "vitest";
import type { PayoutDetail, PayoutInBank } from "../api";
import type { CaptureReport } from "../bindings/CaptureReport";
import { setLang } from "../i18n";
import { calendarMove, dayCounts, monthBridge, payoutBankCell, progressText } from "./month";
import { captureTotals, feeDifference, payoutParts } from "./payout";

describe("month state", () => {
  it("reads sync progress as dates, entries and rate", () => {
    setLang("en");
    expect(
      progressText({ datesDone: 12, datesTotal: 152, datesFailed: 0, entriesStored: 3400, currentLedger: "302321", currentDate: null, entriesPerSec: 1234.6, waitingSecs: null, feedPages: 0 }),
    ).toBe("6 of 76 days · 3,400 entries · 1,235 entries/s");
    // Vipps asked for a pause (Retry-After): the wait is said, in the user's words.
    expect(
      progressText({ datesDone: 12, datesTotal: 152, datesFailed: 0, entriesStored: 3400, currentLedger: "302321", currentDate: null, entriesPerSec: 1234.6, waitingSecs: 90, feedPages: 2 }),
    ).toBe("6 of 76 days · 3,400 entries · 1,235 entries/s · waiting 90 s, as Vipps asked");
    // Once the pace is known: the time left. 12 topic-dates in 6 s leaves 140 in about 70 s.
    expect(
      progressText({ datesDone: 12, datesTotal: 152, datesFailed: 0, entriesStored: 3400, currentLedger: "302321", currentDate: null, entriesPerSec: 1234.6, waitingSecs: null, feedPages: 0 }, 6),
    ).toBe("6 of 76 days · 3,400 entries · about 1 min left");
    expect(
      progressText({ datesDone: 100, datesTotal: 152, datesFailed: 0, entriesStored: 3400, currentLedger: "302321", currentDate: null, entriesPerSec: 1234.6, waitingSecs: null, feedPages: 0 }, 10),
    ).toBe("50 of 76 days · 3,400 entries · about 5 s left");
  });
});

describe("payout parts", () => {
  it("are the documented example's figures, summing to the payout", () => {
    const detail = {
      payout: { carriedIn: 0, sales: 40000, refunds: -10000, feesRetained: 1200, other: 0, coveredSum: 28800, difference: 0, amount: 28800 },
    } as unknown as PayoutDetail;
    const parts = payoutParts(detail);
    expect(parts.map((p) => p.minor)).toEqual([0, 40000, -10000, -1200, 0]);
    expect(parts.reduce((a, p) => a + p.minor, 0)).toBe(28800);
  });
});

describe("the month's bridge from net to paid into the bank", () => {
  const totals = (over: object) => ({
    sales: 50000, refunds: -10000, fees: 750, feesRetained: -750, other: 0, net: 39250, payout: 39250,
    netSales: 40000, feeAdjustments: 0, feesInvoiced: 0, payoutCount: 1, captureCount: 2, fundsCount: 5, feesCount: 3,
    fundsOpening: 0, fundsClosing: 0, feesOpening: 0, feesClosing: 0, ...over,
  });
  it("has nothing to explain when the net is what was paid and nothing is carried", () => {
    expect(monthBridge(totals({}), "net")).toBeNull();
    expect(monthBridge(totals({ fundsOpening: null }), "net")).toBeNull();
  });
  it("adds what came in from last month and takes off what waits for the next payout", () => {
    // Daily payouts: the last day of the month is paid out on the 1st of the next.
    const b = monthBridge(totals({ fundsOpening: 12000, fundsClosing: 9000, payout: 42250 }), "net");
    expect(b).toEqual({ net: 39250, carriedIn: 12000, carriedOut: 9000, rest: 0, restKind: "otherDays", paid: 42250 });
    expect(b && b.net + b.carriedIn - b.carriedOut + b.rest).toBe(42250);
  });
  it("names fees invoiced monthly on gross settlement", () => {
    const b = monthBridge(totals({ payout: 40000 }), "gross");
    expect(b?.rest).toBe(750);
    expect(b?.restKind).toBe("invoiced");
  });
});

describe("the calendar by keyboard", () => {
  it("moves a day with ←/→, a week with ↑/↓, and never out of the month", () => {
    expect(calendarMove("ArrowRight", 0, 31)).toBe(1);
    expect(calendarMove("ArrowLeft", 0, 31)).toBeNull();
    expect(calendarMove("ArrowDown", 3, 31)).toBe(10);
    expect(calendarMove("ArrowUp", 3, 31)).toBeNull();
    expect(calendarMove("ArrowDown", 27, 30)).toBeNull();
    expect(calendarMove("End", 4, 28)).toBe(27);
    expect(calendarMove("Home", 4, 28)).toBe(0);
    expect(calendarMove("a", 4, 28)).toBeNull();
  });
});

describe("the sync's done line", () => {
  it("counts days as the calendar shows them, not the API's topic-dates, and not days to come", () => {
    const days = (["paid", "carried", "complete", "openUpstream", "openUpstream", "failed", "notSynced", "upcoming"] as const).map((state) => ({ state }));
    expect(dayCounts(days)).toEqual({ closed: 3, open: 2, failed: 1, missing: 1 });
  });
});

describe("a payout's day in the bank on the payout list", () => {
  const p = (over: object) =>
    ({ payoutNumber: 1, label: "#1", pspReference: "x", ledgerDate: "2024-05-02", amount: 100, currency: "NOK", expectedDate: "2024-05-03", expectedText: "Vipps MobilePay AS", state: "not-due-yet", lines: [], bankDate: null, bankAmount: null, confidence: null, reason: "", ...over }) as unknown as PayoutInBank;
  it("is the expected day, marked so, until a statement shows it", () => {
    expect(payoutBankCell(p({}))).toEqual({ date: "2024-05-03", expected: true, text: "Vipps MobilePay AS" });
  });
  it("is the matched line's day and text once it is in the bank", () => {
    const line = { id: 7, bookingDate: "2024-05-06", valueDate: null, amount: 100, currency: "NOK", text: "VIPPS MOBILEPAY AS 2000023", counterparty: null };
    expect(payoutBankCell(p({ state: "in-the-bank", bankDate: "2024-05-06", bankAmount: 100, lines: [line] }))).toEqual({ date: "2024-05-06", expected: false, text: "VIPPS MOBILEPAY AS 2000023" });
  });
});

describe("a payout's sales and their fees", () => {
  const cap = (gross: number, refunded: number, fees: number) => ({ gross, refunded, fees }) as unknown as CaptureReport;
  it("adds every sale up, and names the fees taken on other dates", () => {
    const d = { payout: { feesRetained: 1200 }, captures: [cap(10000, 0, 400), cap(20000, -10000, 400), cap(10000, 0, 250)] } as unknown as PayoutDetail;
    expect(captureTotals(d)).toEqual({ gross: 40000, refunded: -10000, fees: 1050 });
    // 12.00 taken, the sales' own fees 10.50: 1.50 are fees of sales from another date.
    expect(feeDifference(d)).toEqual({ ofSales: 1050, taken: 1200, diff: 150 });
  });
  it("has nothing to say when they agree (the documented example day)", () => {
    const d = { payout: { feesRetained: 1200 }, captures: [cap(10000, 0, 400), cap(20000, -10000, 400), cap(10000, 0, 400)] } as unknown as PayoutDetail;
    expect(feeDifference(d)).toBeNull();
  });
});
