import { describe, expect, it } from "vitest";
import type { ImportReport } from "../api";
import { setLang } from "../i18n";
import { mappingSummary, reportLines, stateCounts } from "./bank";

const report: ImportReport = {
  files: [
    {
      path: "/home/kari/Nedlastinger/okt.xml",
      imported: { fileName: "okt.xml", format: "camt.053.001.08", statements: [], skippedAccounts: ["NO0215039954321"], lines: 40, added: 28 },
      error: null,
    },
    { path: "C:\\Users\\kari\\cut.xml", imported: null, error: "This camt.053 file could not be read. Nothing was imported." },
  ],
  lines: 40,
  added: 28,
  failed: 1,
};

describe("bank", () => {
  it("counts a month's payouts by state, in plain words, in both languages", () => {
    const payouts = [{ state: "in-the-bank" }, { state: "late" }, { state: "in-the-bank" }, { state: "matched-by-hand" }] as const;
    setLang("en");
    expect(stateCounts([...payouts])).toBe("2 in the bank · 1 matched by hand · 1 late");
    setLang("nb");
    expect(stateCounts([...payouts])).toBe("2 i banken · 1 koblet for hånd · 1 forsinket");
  });

  it("says how a CSV is read", () => {
    const m = { delimiter: ";", hasHeader: true, dateColumn: 0, dateFormat: "%d.%m.%Y", amountColumn: null, creditColumn: 4, debitColumn: 3, textColumn: 1, decimalComma: true, currency: "NOK" };
    setLang("en");
    expect(mappingSummary(m)).toBe("semicolon · decimal comma (1 234,50) · dates like 31.12.2026");
    setLang("nb");
    expect(mappingSummary({ ...m, delimiter: ",", decimalComma: false, dateFormat: "%Y-%m-%d" })).toBe("komma · desimalpunktum (1,234.50) · datoer som 2026-12-31");
  });

  it("reports per file what was added, what was there, and why a file was refused", () => {
    setLang("en");
    expect(reportLines(report)).toEqual([
      { ok: true, text: "okt.xml: 40 lines, 28 new, 12 already there. Left out: account NO0215039954321 (no shop here is paid into it)." },
      { ok: false, text: "cut.xml was not imported: This camt.053 file could not be read. Nothing was imported." },
    ]);
    setLang("nb");
    expect(reportLines(report)[0].text).toBe("okt.xml: 40 linjer, 28 nye, 12 fantes fra før. Utelatt: konto NO0215039954321 (ingen butikk her betales inn dit).");
  });
});
