import { describe, expect, it } from "vitest";
import { formatDate, formatMoney, formatMonth } from "./format";
import { dictionaries, dictionaryProblems, langFromNavigator, t } from "./i18n";

const LANGS = ["en", "nb", "da", "fi"] as const;
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("i18n", () => {
  it("follows the system language: any Norwegian means Bokmål, Danish and Finnish their own", () => {
    expect(langFromNavigator(["nb-NO"])).toBe("nb");
    expect(langFromNavigator(["nn"])).toBe("nb");
    expect(langFromNavigator(["no", "en"])).toBe("nb");
    expect(langFromNavigator(["da-DK"])).toBe("da");
    expect(langFromNavigator(["fi"])).toBe("fi");
    expect(langFromNavigator(["sv-SE", "fi-FI"])).toBe("fi");
    expect(langFromNavigator(["de-DE", "en-US"])).toBe("en");
    expect(langFromNavigator([])).toBe("en");
  });
  it("fills placeholders in every language", () => {
    expect(t("payout.title", { label: "#2000023" }, "en")).toBe("What is in payout #2000023?");
    expect(t("payout.title", { label: "#2000023" }, "nb")).toBe("Hva ligger i utbetaling #2000023?");
    for (const l of LANGS) expect(t("payout.title", { label: "#2000023" }, l)).toContain("#2000023");
    expect(t("day.countFiltered", { count: 3, total: 10 }, "en")).toBe("3 of 10 entries");
  });
  it("says one thing and two things", () => {
    expect(t("ledgers.count", { count: 1 }, "en")).toBe("1 shop");
    expect(t("ledgers.count", { count: 40 }, "en")).toBe("40 shops");
    expect(t("ledgers.count", { count: 1 }, "nb")).toBe("1 butikk");
    expect(t("month.payoutCount", { count: 1 }, "nb")).toBe("1 utbetaling");
    expect(t("month.payoutCount", { count: 4 }, "nb")).toBe("4 utbetalinger");
    for (const l of ["da", "fi"] as const) {
      expect(t("ledgers.count", { count: 1 }, l)).toMatch(/^1 \S/);
      expect(t("ledgers.count", { count: 40 }, l)).toMatch(/^40 \S/);
      expect(t("ledgers.count", { count: 1 }, l)).not.toBe(t("ledgers.count", { count: 40 }, l).replace("40", "1"));
    }
  });
  it("has every message in every language, the same placeholders, none empty by mistake", () => {
    for (const l of ["nb", "da", "fi"] as const) {
      expect(dictionaryProblems(dictionaries.en, dictionaries[l]), l).toEqual([]);
      expect(Object.keys(dictionaries[l]).sort(), l).toEqual(Object.keys(dictionaries.en).sort());
    }
  });
  it("the completeness check fails on a missing, empty, extra or mistyped message", () => {
    const en = { a: "Sales {count}", b: "Fees", "error.summary.x": "" };
    expect(dictionaryProblems(en, { a: "Salg {count}", b: "Gebyrer", "error.summary.x": "Tekst" })).toEqual([]);
    expect(dictionaryProblems(en, { a: "Salg {count}", "error.summary.x": "Tekst" })).toEqual(["missing: b"]);
    expect(dictionaryProblems(en, { a: "Salg {count}", b: "", "error.summary.x": "Tekst" })).toEqual(["empty: b"]);
    expect(dictionaryProblems(en, { a: "Salg {antal}", b: "Gebyrer", "error.summary.x": "Tekst" })).toEqual(["placeholders differ: a"]);
    expect(dictionaryProblems(en, { a: "Salg {count}", b: "Gebyrer", "error.summary.x": "", c: "x" })).toEqual([
      "empty: error.summary.x",
      "extra: c",
    ]);
    // And the real dictionaries: take one key out of Danish, and the check sees it.
    const broken: Record<string, string> = { ...dictionaries.da };
    delete broken["month.sales"];
    expect(dictionaryProblems(dictionaries.en, broken)).toEqual(["missing: month.sales"]);
  });
  it("writes money, dates and months as each country reads them", () => {
    expect(plain(formatMoney(123450, "DKK", "da"))).toBe("1.234,50 kr.");
    expect(plain(formatMoney(123450, "EUR", "fi"))).toBe("1 234,50 €");
    expect(plain(formatMoney(-10000, "EUR", "fi"))).toMatch(/^[-−]100,00 €$/);
    expect(plain(formatMoney(123450, "NOK", "nb"))).toBe("1 234,50 kr");
    expect(formatMonth("2022-10", "da")).toBe("oktober 2022");
    expect(formatMonth("2022-10", "fi").toLowerCase()).toContain("lokakuu");
    expect(formatDate("2022-10-04", "da")).toContain("4");
    expect(formatDate("2022-10-04", "fi")).toContain("4");
  });
});
