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

describe("entry types in plain words", () => {
  it("names every type Avstem knows in both languages and keeps an unknown one as the API wrote it", async () => {
    const { KNOWN_TYPES } = await import("./day");
    const { typeWords } = await import("./common");
    const { setLang, t } = await import("../i18n");
    for (const l of ["en", "nb"] as const) {
      setLang(l);
      for (const ty of [...KNOWN_TYPES.funds, ...KNOWN_TYPES.fees]) {
        const key = `type.${ty}`;
        expect(t(key as never)).not.toBe(key);
      }
    }
    setLang("en");
    expect(typeWords("capture")).toBe("sale");
    expect(typeWords("capture-fee")).toBe("fee on a sale");
    expect(typeWords("loyalty-adjustment")).toBe("loyalty-adjustment");
    setLang("nb");
    expect(typeWords("capture")).toBe("salg");
    setLang("en");
  });
});
