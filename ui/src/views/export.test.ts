import { describe, expect, it } from "vitest";
import { setLang, t, type MessageKey } from "../i18n";
import { defaultFileName, FORMATS, withExtension } from "./export";

describe("export file names", () => {
  it("name the ledger and month", () => {
    expect(defaultFileName("12345", "2022-10", "xlsx")).toBe("avstem-12345-2022-10.xlsx");
    expect(defaultFileName("12345", "2022-10", "csv")).toBe("avstem-12345-2022-10.csv");
    expect(defaultFileName("12345", "2022-10", "saft")).toBe("avstem-12345-2022-10-saft.xml");
    expect(defaultFileName("402001", "2024-10", "economic")).toBe("avstem-402001-2024-10-economic.csv");
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
