import { describe, expect, it } from "vitest";
import { defaultFileName, withExtension } from "./export";

describe("export file names", () => {
  it("name the ledger and month", () => {
    expect(defaultFileName("12345", "2022-10", false)).toBe("avstem-12345-2022-10.xlsx");
    expect(defaultFileName("12345", "2022-10", true)).toBe("avstem-12345-2022-10.csv");
  });
  it("follow the chosen format", () => {
    expect(withExtension("/tmp/oct.xlsx", true)).toBe("/tmp/oct.csv");
    expect(withExtension("/tmp/oct", false)).toBe("/tmp/oct.xlsx");
    expect(withExtension("", false)).toBe("");
  });
});
