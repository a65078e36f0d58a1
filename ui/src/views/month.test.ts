import { describe, expect, it } from "vitest";
import type { PayoutDetail } from "../api";
import { setLang } from "../i18n";
import { progressText } from "./month";
import { payoutParts } from "./payout";

describe("month state", () => {
  it("reads sync progress as dates, entries and rate", () => {
    setLang("en");
    expect(
      progressText({ datesDone: 12, datesTotal: 152, datesFailed: 0, entriesStored: 3400, currentLedger: "302321", currentDate: null, entriesPerSec: 1234.6, waitingSecs: null, feedPages: 0 }),
    ).toBe("12 of 152 dates · 3,400 entries · 1,235 entries/s");
    // Vipps asked for a pause (Retry-After): the wait is said, in the user's words.
    expect(
      progressText({ datesDone: 12, datesTotal: 152, datesFailed: 0, entriesStored: 3400, currentLedger: "302321", currentDate: null, entriesPerSec: 1234.6, waitingSecs: 90, feedPages: 2 }),
    ).toBe("12 of 152 dates · 3,400 entries · 1,235 entries/s · waiting 90 s, as Vipps asked");
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
