import { describe, expect, it } from "vitest";
import { setLang, t, type MessageKey } from "../i18n";
import { readAccounts, ROLES, sourceText } from "./accounts";
import { defaultFileName, FORMATS, splitPath, withExtension } from "./export";

describe("export file names", () => {
  it("name the ledger and month", () => {
    expect(defaultFileName("Fjordkaffe AS", "2022-10", "xlsx")).toBe("Fjordkaffe AS-2022-10.xlsx");
    expect(defaultFileName("Fjordkaffe AS", "2022-10", "csv")).toBe("Fjordkaffe AS-2022-10.csv");
    expect(defaultFileName("Fjordkaffe AS", "2022-10", "saft")).toBe("Fjordkaffe AS-2022-10-saft.xml");
    expect(defaultFileName("402001", "2024-10", "economic")).toBe("402001-2024-10-economic.csv");
  });
  it("follow the chosen format", () => {
    expect(withExtension("/tmp/oct.xlsx", "csv")).toBe("/tmp/oct.csv");
    expect(withExtension("/tmp/oct", "xlsx")).toBe("/tmp/oct.xlsx");
    expect(withExtension("/tmp/oct.csv", "saft")).toBe("/tmp/oct.xml");
    expect(withExtension("/tmp/oct.xml", "gbat10")).toBe("/tmp/oct.csv");
    expect(withExtension("", "xlsx")).toBe("");
  });
  it("offer every format, each with words in both languages", () => {
    expect(FORMATS).toEqual(["xlsx", "csv", "saft", "gbat10", "economic", "csv-journal"]);
    for (const f of FORMATS) {
      for (const l of ["en", "nb"] as const) {
        setLang(l);
        expect(t(`export.f.${f}` as MessageKey)).not.toBe(`export.f.${f}`);
        expect(t(`export.h.${f}` as MessageKey)).not.toBe(`export.h.${f}`);
      }
    }
  });
});

describe("the accounts form", () => {
  it("takes account numbers and VAT codes and names the first that is not one", () => {
    const vat = { bank: "", fees: " 6 ", clearing: "", suspense: "", payable: "" };
    const dk = { bank: " 6480 ", fees: "2390", clearing: "6340", suspense: "8040", payable: "7440" };
    expect(readAccounts({ accounts: dk, vat, voucherDate: "bank" })).toEqual({
      accounts: { bank: "6480", fees: "2390", clearing: "6340", suspense: "8040", payable: "7440", vat: { ...vat, fees: "6" }, voucherDate: "bank" },
    });
    const no = { bank: "1920", fees: "7770", clearing: "1580", suspense: "2990", payable: "2400" };
    expect(readAccounts({ accounts: { ...no, fees: "" }, vat, voucherDate: "ledger" })).toEqual({ bad: "fees", what: "account" });
    expect(readAccounts({ accounts: { ...no, clearing: "15-80" }, vat, voucherDate: "ledger" })).toEqual({ bad: "clearing", what: "account" });
    expect(readAccounts({ accounts: no, vat: { ...vat, suspense: "0;1" }, voucherDate: "ledger" })).toEqual({ bad: "suspense", what: "vat" });
    expect(readAccounts({ accounts: no, vat: { ...vat, payable: "12345678901" }, voucherDate: "ledger" })).toEqual({ bad: "payable", what: "vat" });
  });
  it("says where the settings come from", () => {
    setLang("en");
    const view = { ledgerId: "302321", currency: "NOK", saved: false, defaultsName: "the Norwegian standard chart of accounts (NS 4102)" };
    const a = { bank: "1920", fees: "7770", clearing: "1580", suspense: "2990", payable: "2400", vat: { bank: "0", fees: "0", clearing: "0", suspense: "0", payable: "0" }, voucherDate: "ledger" as const };
    expect(sourceText({ ...view, accounts: a, defaults: a, source: "chart" })).toBe(
      "Not saved yet: these are the defaults from the Norwegian standard chart of accounts (NS 4102).",
    );
    expect(sourceText({ ...view, accounts: a, defaults: a, source: "profile" })).toBe(
      "Your defaults for all NOK shops in this profile (nothing saved for this shop alone).",
    );
    setLang("nb");
    expect(sourceText({ ...view, saved: true, accounts: a, defaults: a, source: "ledger" })).toBe("Lagret for denne butikken.");
    expect(sourceText({ ...view, currency: "DKK", accounts: a, defaults: a, source: "chart" })).toBe(
      "Ikke lagret ennå: dette er standardkontoene fra den danske standardkontoplanen (Erhvervsstyrelsens standardkontoplan).",
    );
    setLang("en");
  });
  it("says what every account is for, in both languages", () => {
    for (const l of ["en", "nb"] as const) {
      setLang(l);
      for (const role of ROLES) {
        expect(t(`accounts.${role}` as MessageKey)).not.toBe(`accounts.${role}`);
        expect(t(`accounts.${role}.help` as MessageKey)).not.toBe(`accounts.${role}.help`);
      }
    }
    setLang("en");
    expect(t("accounts.bank.help")).toBe("The bank account the payouts arrive in.");
  });
});

describe("splitPath", () => {
  it("splits off the file name with either separator", () => {
    expect(splitPath("/home/kari/Regnskap/Fjordkaffe AS-2026-10.xlsx")).toEqual({ folder: "/home/kari/Regnskap", name: "Fjordkaffe AS-2026-10.xlsx" });
    expect(splitPath("C:\\Users\\kari\\a.xlsx")).toEqual({ folder: "C:\\Users\\kari", name: "a.xlsx" });
    expect(splitPath("/a.xlsx")).toEqual({ folder: "/", name: "a.xlsx" });
    expect(splitPath("a.xlsx")).toEqual({ folder: "", name: "a.xlsx" });
  });
});
