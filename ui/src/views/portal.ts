// Importing the business portal's settlement reports (no API keys): a button and dropping files on
// the window, inside the welcome screen's Vippsnummer card; then straight to the imported month.
import { api } from "../api";
import type { PortalImportReport } from "../bindings/PortalImportReport";
import { h, replace } from "../dom";
import { t } from "../i18n";
import { selectProfile } from "../state";
import { errorBox } from "./errors";

/** Where to go after an import: the first imported ledger, in the month of the last date it got. */
export function monthAfterImport(report: PortalImportReport): { ledgerId: string; month: string } | null {
  for (const f of report.files) {
    const l = f.imported?.ledgers[0];
    if (l && l.lastDate) return { ledgerId: l.ledgerId, month: l.lastDate.slice(0, 7) };
  }
  return null;
}

/** The import button with its status line; dropping files on the window imports them too. */
export function portalImport(refreshProfiles: () => Promise<void>): HTMLElement {
  const status = h("div", { class: "status", "aria-live": "polite", "data-testid": "portal-import-status" });
  const button = h(
    "button",
    { type: "button", class: "primary big", "data-testid": "portal-import" },
    t("portal.import.button"),
  );
  const run = async (paths: string[]): Promise<void> => {
    if (paths.length === 0) return;
    button.disabled = true;
    replace(status, h("p", { class: "muted" }, t("portal.import.working", { count: paths.length })));
    try {
      const report = await api.importPortalFiles(paths);
      const errors = report.files.filter((f) => f.error).map((f) => f.error ?? "");
      const target = monthAfterImport(report);
      if (target) {
        selectProfile(report.profile);
        await refreshProfiles();
      }
      if (target && errors.length === 0) {
        location.hash = `#/month/${encodeURIComponent(target.ledgerId)}/${target.month}`;
        return;
      }
      replace(
        status,
        h(
          "div",
          {},
          ...errors.map((e) => h("p", { class: "warn", "data-testid": "portal-import-error" }, e)),
          target
            ? h(
                "a",
                { href: `#/month/${encodeURIComponent(target.ledgerId)}/${target.month}`, "data-testid": "portal-import-open" },
                t("portal.import.open"),
              )
            : null,
        ),
      );
    } catch (e) {
      replace(status, errorBox(e as never));
    } finally {
      button.disabled = false;
    }
  };
  button.addEventListener("click", async () => {
    try {
      await run(await api.choosePortalFiles());
    } catch (e) {
      replace(status, errorBox(e as never));
    }
  });
  const box = h(
    "div",
    { class: "portal-import" },
    button,
    h("p", { class: "small muted" }, t("portal.import.drop")),
    status,
  );
  void api.onFilesDropped((paths) => {
    if (!box.isConnected) return false;
    void run(paths);
    return true;
  });
  return box;
}

/** Put the import into the welcome screen's Vippsnummer card, when the screen has one. */
export function mountPortalImport(root: HTMLElement, refreshProfiles: () => Promise<void>): void {
  const card = root.querySelector<HTMLElement>("#welcome-vippsnummer, [data-testid='welcome-vippsnummer']");
  if (card && !card.querySelector("[data-testid='portal-import']")) card.append(portalImport(refreshProfiles));
}
