import { describe, expect, it } from "vitest";
import type { DayFigures } from "../bindings/DayFigures";
import type { DaySummary } from "../bindings/DaySummary";
import type { PayoutDetail } from "../api";
import { setLang } from "../i18n";
import { dayStatus, progressText } from "./month";
import { payoutParts } from "./payout";

const day = (status: DayFigures["status"]): DayFigures => ({
  date: "2022-10-01", sales: 40000, refunds: -10000, netSales: 30000, fees: 1200, feeAdjustments: 0,
  feesRetained: 1200, feesInvoiced: 0, other: 0, net: 28800, payout: 28800, payoutLabel: "#2000023",
  fundsClosing: 0, feesClosing: 0, fundsCount: 4, feesCount: 3, status, statusText: "", paidIn: "#2000023",
});

const cached = (fundsState: DaySummary["fundsState"], feesState: DaySummary["feesState"]): DaySummary => ({
  date: "2022-10-01", sales: 0, refunds: 0, fees: 0, feesRetained: 0, other: 0, net: 0, payout: 0,
  fundsCount: 0, feesCount: 0, fundsState, feesState, fundsError: null, feesError: null,
});

describe("month state", () => {
  it("shows a failed fetch rather than 'not synced', so the user knows to retry", () => {
    expect(dayStatus(day("notSynced"), cached("failed", null))).toBe("failed");
    expect(dayStatus(day("notSynced"), cached("complete", "failed"))).toBe("failed");
    expect(dayStatus(day("paid"), cached("complete", "complete"))).toBe("paid");
    expect(dayStatus(day("openUpstream"))).toBe("openUpstream");
  });
  it("reads sync progress as dates, entries and rate", () => {
    setLang("en");
    expect(
      progressText({ datesDone: 12, datesTotal: 152, datesFailed: 0, entriesStored: 3400, currentLedger: "302321", currentDate: null, entriesPerSec: 1234.6 }),
    ).toBe("12 of 152 dates · 3,400 entries · 1,235 entries/s");
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
