import { describe, expect, it } from "vitest";
import { setLang } from "../i18n";
import { openNoteText } from "./common";

describe("why a date is not closed yet", () => {
  it("says the reason and the day it closes, in both languages", () => {
    setLang("en");
    expect(openNoteText({ why: "monthlySettlement", closes: "2026-11-01" }, true)).toBe("monthly settlement: closes Sunday, 1 November 2026");
    expect(openNoteText({ why: "negativeBalance", closes: null }, true)).toBe("balance below zero: closes after a top-up");
    expect(openNoteText({ why: "today", closes: null })).toMatch(/^Today so far/);
    setLang("nb");
    expect(openNoteText({ why: "monthlySettlement", closes: "2026-11-01" }, true)).toBe("månedlig oppgjør: lukkes søndag 1. november 2026");
    expect(openNoteText({ why: "weeklyPayout", closes: "2026-11-23" })).toBe("Ukentlig utbetaling: Vipps lukker disse dagene med utbetalingen mandag 23. november 2026.");
    setLang("en");
  });
});
