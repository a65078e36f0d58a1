import { describe, expect, it } from "vitest";
import { dictionaries, langFromNavigator, t } from "./i18n";

describe("i18n", () => {
  it("follows the system language, any Norwegian meaning Bokmål", () => {
    expect(langFromNavigator(["nb-NO"])).toBe("nb");
    expect(langFromNavigator(["nn"])).toBe("nb");
    expect(langFromNavigator(["no", "en"])).toBe("nb");
    expect(langFromNavigator(["de-DE", "en-US"])).toBe("en");
    expect(langFromNavigator([])).toBe("en");
  });
  it("fills placeholders in both languages", () => {
    expect(t("payout.title", { label: "#2000023" }, "en")).toBe("What is in payout #2000023?");
    expect(t("payout.title", { label: "#2000023" }, "nb")).toBe("Hva ligger i utbetaling #2000023?");
    expect(t("day.countFiltered", { count: 3, total: 10 }, "en")).toBe("3 of 10 entries");
  });
  it("says one thing and two things", () => {
    expect(t("ledgers.count", { count: 1 }, "en")).toBe("1 shop");
    expect(t("ledgers.count", { count: 40 }, "en")).toBe("40 shops");
    expect(t("month.payoutCount", { count: 1 }, "nb")).toBe("1 utbetaling");
    expect(t("month.payoutCount", { count: 4 }, "nb")).toBe("4 utbetalinger");
  });
  it("has every message in Bokmål, none left empty by mistake", () => {
    const missing = Object.entries(dictionaries.nb).filter(([k, v]) => v === "" && k !== "error.next.cancelled");
    // English error summaries are empty on purpose: the Rust sentence is already English.
    expect(missing).toEqual([]);
    expect(Object.keys(dictionaries.nb).sort()).toEqual(Object.keys(dictionaries.en).sort());
  });
});
