import { describe, expect, it } from "vitest";
import type { PortalImportReport } from "../bindings/PortalImportReport";
import { dictionaries, setLang, t } from "../i18n";
import { monthAfterImport } from "./portal";

const ledger = (ledgerId: string, lastDate: string | null) => ({
  ledgerId,
  name: "Blodsmak Sportsklubb",
  created: true,
  payouts: [2000004],
  firstDate: lastDate,
  lastDate,
  added: 5,
  duplicates: 0,
});

const report = (files: PortalImportReport["files"]): PortalImportReport => ({
  profile: "files",
  ledgerId: "portal-16655",
  ledger: "portal-16655",
  ledgerIds: ["portal-16655"],
  files,
  added: 5,
  duplicates: 0,
  failed: 0,
});

describe("after a portal import", () => {
  it("opens the first imported ledger in the month of its last date", () => {
    const r = report([
      { path: "bad.csv", added: 0, duplicates: 0, imported: null, error: "bad.csv is not a settlement report", conflicts: [] },
      {
        path: "r.xml",
        added: 5,
        duplicates: 0,
        imported: { fileName: "r.xml", format: "xml-3.0", ledgers: [ledger("portal-16655", "2018-09-22")], added: 5, duplicates: 0 },
        error: null,
        conflicts: [],
      },
    ]);
    expect(monthAfterImport(r)).toEqual({ ledgerId: "portal-16655", month: "2018-09" });
    expect(monthAfterImport(report([]))).toBeNull();
  });

  it("says what it is doing in both languages", () => {
    setLang("nb");
    expect(t("portal.import.working", { count: 1 })).toBe("Importerer filen …");
    setLang("en");
    expect(t("portal.import.working", { count: 3 })).toBe("Importing 3 files …");
    for (const d of Object.values(dictionaries)) expect(d["portal.checks.notAvailable"]).toContain("{checks}");
  });
});
