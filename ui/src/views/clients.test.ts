import { describe, expect, it } from "vitest";
import type { SyncProgress } from "../bindings/SyncProgress";
import { applyProgress, chips, clientMatches, finishExport, finishSync, jobTotals, needsAttention, newlyGranted, overallRate, retryable, shownRows, startJob, withdrawn, type ClientRow } from "./clients";

function row(over: Partial<ClientRow>): ClientRow {
  return {
    ledgerId: "700001",
    client: "Fjell Kaffebar AS",
    named: false,
    organisation: "930000001",
    salesUnits: ["Fjell Kaffebar AS"],
    currency: "NOK",
    frequency: "daily",
    synced: true,
    openDates: 0,
    openReason: null,
    failedDates: 0,
    failedReason: null,
    failedChecks: [],
    negativeBalance: false,
    unknownTypes: 0,
    payoutsNotInBank: 0,
    sales: 1_234_500,
    fees: 23_450,
    paidOut: 1_211_050,
    ...over,
  };
}

describe("the Clients overview", () => {
  it("shows a chip for each thing to look at, and only those need attention", () => {
    const calm = row({ openDates: 3, openReason: "monthly payouts" });
    expect(chips(calm).map((c) => c.kind)).toEqual(["synced", "open"]);
    expect(needsAttention(calm)).toBe(false);
    const bad = row({ synced: false, failedDates: 31, failedChecks: ["Payouts add up"], negativeBalance: true, unknownTypes: 2, payoutsNotInBank: 4 });
    expect(chips(bad).map((c) => [c.kind, c.count])).toEqual([
      ["notSynced", 0],
      ["failed", 31],
      ["checks", 1],
      ["negative", 0],
      ["unknownTypes", 2],
      ["notInBank", 4],
    ]);
    expect(needsAttention(bad)).toBe(true);
  });

  it("searches names, ledger ids, organisation numbers and sales units", () => {
    const r = row({ salesUnits: ["Fjell nettbutikk"] });
    expect(clientMatches(r, "kaffebar")).toBe(true);
    expect(clientMatches(r, "700001")).toBe(true);
    expect(clientMatches(r, "930 000 001")).toBe(true);
    expect(clientMatches(r, "NETTBUTIKK")).toBe(true);
    expect(clientMatches(r, "sauna")).toBe(false);
  });

  it("sorts 500 rows by sales within a currency, ties in ledger order, and filters to those needing attention", () => {
    const rows: ClientRow[] = [];
    for (let i = 0; i < 500; i++) {
      rows.push(row({ ledgerId: String(700_000 + i), currency: i % 10 === 3 ? "DKK" : "NOK", sales: (i * 7919) % 1000, failedDates: i % 50 === 0 ? 2 : 0 }));
    }
    const started = performance.now();
    const sorted = shownRows(rows, { text: "", attentionOnly: false, sort: "sales", descending: true });
    expect(performance.now() - started).toBeLessThan(200);
    expect(sorted).toHaveLength(500);
    expect(sorted.slice(0, 50).every((r) => r.currency === "NOK")).toBe(true);
    const nok = sorted.filter((r) => r.currency === "NOK");
    for (let i = 1; i < nok.length; i++) expect(nok[i - 1].sales).toBeGreaterThanOrEqual(nok[i].sales);
    const attention = shownRows(rows, { text: "", attentionOnly: true, sort: "ledgerId", descending: false });
    expect(attention.map((r) => r.ledgerId)).toEqual(["700000", "700050", "700100", "700150", "700200", "700250", "700300", "700350", "700400", "700450"]);
  });

  it("announces ledgers granted since the last visit, and none on the first", () => {
    expect(newlyGranted(null, ["1", "2"])).toEqual([]);
    expect(newlyGranted(["1", "2"], ["1", "2", "700200"])).toEqual(["700200"]);
    expect(withdrawn(["1", "700150"], ["1"])).toEqual(["700150"]);
  });

  it("counts one progress view and retries only what failed or was cancelled", () => {
    const jobs = [
      { ledgerId: "1", state: "done" as const, error: null, dates: 0 },
      { ledgerId: "2", state: "failed" as const, error: "31 dates could not be fetched.", dates: 0 },
      { ledgerId: "3", state: "cancelled" as const, error: null, dates: 0 },
      { ledgerId: "4", state: "waiting" as const, error: null, dates: 0 },
    ];
    expect(jobTotals(jobs)).toEqual({ done: 1, failed: 1, waiting: 1, running: 0, cancelled: 1 });
    expect(retryable(jobs)).toEqual(["2", "3"]);
  });

  it("follows one job over many ledgers: dates per ledger, then each outcome, and what to retry", () => {
    const p = (done: number, failed: number, ledger: string): SyncProgress => ({
      datesDone: done, datesTotal: 10, datesFailed: failed, entriesStored: 0, currentLedger: ledger, currentDate: null,
      entriesPerSec: 0, waitingSecs: null, feedPages: 0,
    });
    let rows = startJob(["700001", "700010", "700150"]);
    let seen = 0;
    for (const ev of [p(1, 0, "700001"), p(2, 0, "700001"), p(2, 1, "700010"), p(2, 1, "700010"), p(3, 1, "700001")]) {
      rows = applyProgress(rows, ev, seen);
      seen = ev.datesDone + ev.datesFailed;
    }
    expect(rows.map((r) => [r.ledgerId, r.state, r.dates])).toEqual([
      ["700001", "running", 3],
      ["700010", "running", 1],
      ["700150", "waiting", 0],
    ]);
    const synced = finishSync(rows, [
      { ledgerId: "700001", failedDates: 0, error: null },
      { ledgerId: "700010", failedDates: 31, error: "31 dates could not be fetched (500)." },
      { ledgerId: "700150", failedDates: 0, error: null },
    ], false);
    expect(synced.map((r) => r.state)).toEqual(["done", "failed", "done"]);
    expect(synced[1].error).toBe("31 dates could not be fetched (500).");
    expect(retryable(synced)).toEqual(["700010"]);
    // After Cancel nothing is known complete: all but the failed one can be retried as cancelled.
    expect(finishSync(rows, [{ ledgerId: "700010", failedDates: 2, error: "x" }], true).map((r) => r.state)).toEqual(["cancelled", "failed", "cancelled"]);
    const outcome = (ledgerId: string, state: "ok" | "checksFailed" | "notWritten", error: string | null = null) => ({
      ledgerId, client: "c", organisation: "o", currency: "NOK", state, file: state === "notWritten" ? null : `c-${ledgerId}-2024-05.xlsx`,
      error, failedChecks: state === "checksFailed" ? ["Payouts add up"] : [], failedDates: 0, openDates: 0, sales: 0, refunds: 0, fees: 0,
      paidOut: 0, payouts: 0,
    });
    const exported = finishExport(startJob(["1", "2", "3"]), [outcome("1", "ok"), outcome("2", "checksFailed"), outcome("3", "notWritten", "The disk is full.")]);
    expect(exported.map((r) => [r.state, r.file ?? null, r.checksFailed ?? 0, r.error])).toEqual([
      ["done", "c-1-2024-05.xlsx", 0, null],
      ["done", "c-2-2024-05.xlsx", 1, null],
      ["failed", null, 0, "The disk is full."],
    ]);
    expect(overallRate(120, 4000)).toBe(30);
    expect(overallRate(5, 0)).toBe(0);
  });
});
