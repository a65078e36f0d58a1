import { describe, expect, it } from "vitest";
import { chips, clientMatches, jobTotals, needsAttention, newlyGranted, retryable, shownRows, withdrawn, type ClientRow } from "./clients";

function row(over: Partial<ClientRow>): ClientRow {
  return {
    ledgerId: "700001",
    client: "Fjell Kaffebar AS",
    organisation: "930000001",
    salesUnits: ["Fjell Kaffebar AS"],
    currency: "NOK",
    frequency: "daily",
    synced: true,
    openDates: 0,
    openReason: null,
    failedDates: 0,
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
      { ledgerId: "1", state: "done" as const, error: null },
      { ledgerId: "2", state: "failed" as const, error: "31 dates could not be fetched." },
      { ledgerId: "3", state: "cancelled" as const, error: null },
      { ledgerId: "4", state: "waiting" as const, error: null },
    ];
    expect(jobTotals(jobs)).toEqual({ done: 1, failed: 1, waiting: 1, running: 0, cancelled: 1 });
    expect(retryable(jobs)).toEqual(["2", "3"]);
  });
});
