// First start: try the demo, or add real keys.
import { api } from "../api";
import { h, replace } from "../dom";
import { t } from "../i18n";
import { app, selectProfile } from "../state";
import { errorBox } from "./errors";
import { mountPortalImport } from "./portal";

export function welcomeView(root: HTMLElement, refreshProfiles: () => Promise<void>): void {
  const status = h("div", { class: "status", "aria-live": "polite" });
  const demoButton = h(
    "button",
    { type: "button", class: "primary big", "data-testid": "try-demo" },
    t("welcome.demo.button"),
  );
  demoButton.addEventListener("click", async () => {
    demoButton.disabled = true;
    replace(status, h("p", { class: "muted" }, t("welcome.starting")));
    try {
      await api.startDemo();
      selectProfile("demo");
      await refreshProfiles();
      location.hash = "#/ledgers";
    } catch (e) {
      replace(status, errorBox(e as never));
      demoButton.disabled = false;
    }
  });
  const existing = app.profiles.find((p) => p.name === app.profile);
  root.replaceChildren(
    h(
      "section",
      { class: "welcome" },
      h("h1", { tabindex: "-1" }, t("welcome.title")),
      h("p", { class: "lead" }, t("welcome.lead")),
      h(
        "div",
        { class: "choices" },
        h(
          "div",
          { class: "card choice" },
          h("h2", {}, t("welcome.demo.title")),
          h("p", {}, t("welcome.demo.body")),
          demoButton,
        ),
        h(
          "div",
          { class: "card choice" },
          h("h2", {}, t("welcome.keys.title")),
          h("p", {}, t("welcome.keys.body")),
          h("a", { href: "#/keys", class: "button secondary big", "data-testid": "add-keys" }, t("welcome.keys.button")),
        ),
        // Most cafés and clubs sell through a Vippsnummer, which has no API keys at all.
        h(
          "div",
          { class: "card choice", id: "welcome-vippsnummer", "data-testid": "welcome-vippsnummer" },
          h("h2", {}, t("welcome.vippsnummer.title")),
          h("p", {}, t("welcome.vippsnummer.body")),
          h("p", { class: "small muted" }, t("welcome.vippsnummer.file")),
        ),
      ),
      existing ? h("p", {}, h("a", { href: "#/ledgers" }, t("welcome.continue", { name: existing.name }))) : null,
      status,
    ),
  );
  mountPortalImport(root, refreshProfiles);
}
