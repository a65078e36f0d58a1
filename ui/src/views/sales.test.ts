import { describe, expect, it } from "vitest";
import { quantityText, rateRows, rateText } from "./sales";
import { setLang } from "../i18n";

describe("what was sold", () => {
  it("reads VAT rates as percentages in both languages", () => {
    expect(rateText(2500, "en")).toBe("25 %");
    expect(rateText(0, "nb")).toBe("0 %");
    expect(rateText(1250, "en")).toBe("12.5 %");
    expect(rateText(1250, "nb")).toBe("12,5 %");
    expect(rateText(1234, "en")).toBe("12.34 %");
  });

  it("reads quantities in thousandths of a unit", () => {
    expect(quantityText(2000, "en")).toBe("2");
    expect(quantityText(250, "nb")).toBe("0,25");
    expect(quantityText(-1500, "en")).toBe("-1.5");
    expect(quantityText(null, "en")).toBe("");
  });

  it("lists one row per VAT rate and the gross whose VAT was not stated", () => {
    setLang("en");
    const rows = rateRows(
      {
        rates: [
          { rateBp: 1500, gross: 11500, net: 10000, vat: 1500 },
          { rateBp: 2500, gross: 12500, net: 10000, vat: 2500 },
        ],
        vatUnknown: 4900,
        gross: 28900,
        entries: 3,
        outsideFunds: 0,
        checkOk: true,
        checkDetail: null,
      },
      "en",
    );
    expect(rows.map((r) => [r.label, r.gross, r.net, r.vat])).toEqual([
      ["15 %", 11500, 10000, 1500],
      ["25 %", 12500, 10000, 2500],
      ["VAT not stated", 4900, null, null],
    ]);
    expect(rows.reduce((a, r) => a + r.gross, 0)).toBe(28900);
  });
});
