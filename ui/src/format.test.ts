import { describe, expect, it } from "vitest";
import {
  formatAmount,
  formatMoney,
  formatMonth,
  formatOrgNumber,
  maskAccount,
  monthDates,
  shiftMonth,
  weekdayMondayFirst,
} from "./format";

// Intl uses no-break spaces between groups and before "kr"; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ").replace(/\u2212/g, "-");

describe("money", () => {
  it("formats øre as kroner the Norwegian way", () => {
    expect(plain(formatMoney(123450, "NOK", "nb"))).toBe("1 234,50 kr");
    expect(plain(formatMoney(28800, "NOK", "nb"))).toBe("288,00 kr");
    expect(plain(formatMoney(-10000, "NOK", "nb"))).toBe("-100,00 kr");
  });
  it("formats in English with the currency code", () => {
    expect(plain(formatMoney(123450, "NOK", "en"))).toBe("NOK 1,234.50");
    expect(plain(formatMoney(-5, "DKK", "en"))).toBe("-DKK 0.05");
    expect(formatMoney(99, "EUR", "en")).toBe("€0.99");
  });
  it("never loses an øre on large sums", () => {
    // 90 071 992 547 409.91 kr: beyond float cents precision if divided naively.
    expect(plain(formatMoney(9007199254740991, "NOK", "nb"))).toBe("90 071 992 547 409,91 kr");
    expect(plain(formatAmount(1, "nb"))).toBe("0,01");
    expect(formatAmount(-123456789, "en")).toBe("-1,234,567.89");
  });
});

describe("dates and masks", () => {
  it("names months in the user's language", () => {
    expect(formatMonth("2022-10", "nb")).toBe("oktober 2022");
    expect(formatMonth("2022-10", "en")).toBe("October 2022");
  });
  it("steps months across years", () => {
    expect(shiftMonth("2022-01", -1)).toBe("2021-12");
    expect(shiftMonth("2022-12", 1)).toBe("2023-01");
  });
  it("lists a month's dates with Monday-first weekdays", () => {
    expect(monthDates("2024-02")).toHaveLength(29);
    expect(monthDates("2022-10")[0]).toBe("2022-10-01");
    expect(weekdayMondayFirst("2022-10-01")).toBe(5); // a Saturday
    expect(weekdayMondayFirst("2022-10-03")).toBe(0); // a Monday
  });
  it("shows only the last four digits of a bank account", () => {
    expect(maskAccount("1234.56.78903")).toBe("•••• 8903");
    expect(maskAccount("NO93 8601 1117 947")).toBe("•••• 7947");
    expect(formatOrgNumber("987654321")).toBe("987 654 321");
  });
});
