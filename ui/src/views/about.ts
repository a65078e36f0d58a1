// About: the version and where Avstem keeps its data on this computer (what support asks for
// first), with a button to show the folder. Moved here from a footer on every screen (issue 14).
import { api, type AppInfo, type UserError } from "../api";
import { h, replace } from "../dom";
import { t } from "../i18n";
import { screen } from "./common";
import { errorBox } from "./errors";

export function aboutView(root: HTMLElement, info: AppInfo | null): void {
  const status = h("div", { "aria-live": "polite" });
  root.replaceChildren(
    screen(
      t("about.title"),
      h("p", { class: "lead" }, t("about.lead")),
      info
        ? h(
            "table",
            { class: "table breakdown", "data-testid": "about" },
            h(
              "tbody",
              {},
              h("tr", {}, h("th", { scope: "row" }, t("about.version")), h("td", { "data-testid": "about-version" }, `${info.name} ${info.version}`)),
              h("tr", {}, h("th", { scope: "row" }, t("about.dataDir")), h("td", { class: "mono", "data-testid": "about-data-dir" }, info.dataDir)),
              h("tr", {}, h("th", { scope: "row" }, t("about.today")), h("td", {}, info.today)),
            ),
          )
        : null,
      info
        ? h(
            "div",
            { class: "actions" },
            h(
              "button",
              {
                type: "button",
                class: "secondary",
                "data-testid": "about-show-folder",
                onclick: () => void api.revealFile(info.dataDir).catch((e) => replace(status, errorBox(e as UserError))),
              },
              t("about.showFolder"),
            ),
          )
        : null,
      h("p", { class: "muted small" }, t("about.keys")),
      status,
    ),
  );
}
