// "Add your keys": merchant or accounting keys, with where to find each in the business portal.
// Secrets are masked; "Test connection" tries them before anything is saved.
import { api, type KeysForm, type UserError } from "../api";
import { h, replace } from "../dom";
import { formatCount } from "../format";
import { lang, t, type MessageKey } from "../i18n";
import { selectProfile } from "../state";
import { errorBox } from "./errors";

function field(
  id: string,
  label: MessageKey,
  help: MessageKey,
  opts: { secret?: boolean; required?: boolean; placeholder?: string } = {},
): { row: HTMLElement; input: HTMLInputElement } {
  const input = h("input", {
    id,
    name: id,
    type: opts.secret ? "password" : "text",
    autocomplete: "off",
    spellcheck: "false",
    required: opts.required ?? false,
    placeholder: opts.placeholder,
    "aria-describedby": `${id}-help`,
    "data-testid": `keys-${id}`,
  });
  const controls: HTMLElement[] = [input];
  if (opts.secret) {
    const toggle = h("button", { type: "button", class: "link-button", "aria-controls": id }, t("keys.show"));
    toggle.addEventListener("click", () => {
      const shown = input.type === "text";
      input.type = shown ? "password" : "text";
      toggle.textContent = shown ? t("keys.show") : t("keys.hide");
    });
    controls.push(toggle);
  }
  const problem = h("p", { class: "field-error", id: `${id}-error`, role: "alert", "data-testid": `keys-${id}-error`, hidden: true });
  const row = h(
    "div",
    { class: "field" },
    h("label", { for: id }, t(label)),
    h("div", { class: "control" }, ...controls),
    problem,
    h("p", { class: "help", id: `${id}-help` }, t(help)),
  );
  // Typing clears the field's complaint.
  input.addEventListener("input", () => markField(input, null));
  return { row, input };
}

/** A validation problem sits on its field: the message under it, the field marked invalid and
 * described by it, and focus on it. `null` clears it. */
export function markField(input: HTMLInputElement, message: string | null): void {
  const problem = document.getElementById(`${input.id}-error`);
  if (!problem) return;
  problem.textContent = message ?? "";
  problem.hidden = message === null;
  if (message === null) {
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", `${input.id}-help`);
  } else {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${input.id}-error ${input.id}-help`);
    input.focus();
  }
}

export function keysView(root: HTMLElement, refreshProfiles: () => Promise<void>): void {
  let kind: "merchant" | "accounting" = "merchant";
  const name = field("name", "keys.name", "keys.name.help", { required: true });
  const clientId = field("clientId", "keys.clientId", "keys.clientId.help", { required: true });
  const secret = field("clientSecret", "keys.clientSecret", "keys.clientSecret.help", { secret: true, required: true });
  const sub = field("subscriptionKey", "keys.subscriptionKey", "keys.subscriptionKey.help", {
    secret: true,
    required: true,
  });
  const msn = field("msn", "keys.msn", "keys.msn.help");
  const baseUrl = field("baseUrl", "keys.baseUrl", "keys.baseUrl.help", { placeholder: "https://api.vipps.no" });
  const clientHelp = clientId.row.querySelector(".help");
  const status = h("div", { class: "status", "aria-live": "polite", "data-testid": "keys-status" });

  const kindRadio = (value: "merchant" | "accounting", label: MessageKey) => {
    const input = h("input", {
      type: "radio",
      name: "kind",
      value,
      id: `kind-${value}`,
      checked: value === kind,
      "data-testid": `kind-${value}`,
    });
    input.addEventListener("change", () => {
      kind = value;
      sub.row.hidden = value === "accounting";
      msn.row.hidden = value === "accounting";
      if (clientHelp) clientHelp.textContent = t(value === "accounting" ? "keys.accountingId.help" : "keys.clientId.help");
    });
    return h("label", { class: "radio", for: `kind-${value}` }, input, " ", t(label));
  };

  const form = (): KeysForm => ({
    name: name.input.value.trim(),
    kind,
    clientId: clientId.input.value.trim(),
    clientSecret: secret.input.value,
    subscriptionKey: kind === "merchant" ? sub.input.value : "",
    msn: kind === "merchant" ? msn.input.value.trim() : "",
    baseUrl: baseUrl.input.value.trim(),
  });

  /** Which field is missing, before bothering the server. */
  const missing = (): { input: HTMLInputElement; label: string } | null => {
    const f = form();
    if (!f.name) return { input: name.input, label: t("keys.name") };
    if (!f.clientId) return { input: clientId.input, label: t("keys.clientId") };
    if (!f.clientSecret) return { input: secret.input, label: t("keys.clientSecret") };
    if (kind === "merchant" && !f.subscriptionKey) return { input: sub.input, label: t("keys.subscriptionKey") };
    return null;
  };

  const testButton = h("button", { type: "button", class: "secondary", "data-testid": "test-connection" }, t("keys.test"));
  const saveButton = h("button", { type: "submit", class: "primary", "data-testid": "save-profile" }, t("keys.save"));

  const run = async (what: "test" | "save") => {
    const gap = missing();
    if (gap) {
      replace(status);
      markField(gap.input, t("keys.required", { field: gap.label }));
      return;
    }
    testButton.disabled = saveButton.disabled = true;
    replace(status, h("p", { class: "muted" }, t("keys.testing")));
    try {
      if (what === "test") {
        const result = await api.testKeys(form());
        replace(status, h("p", { class: "ok", "data-testid": "keys-ok" }, t("keys.ok", { count: result.ledgerCount })));
      } else {
        const profile = await api.saveProfile(form());
        selectProfile(profile.name);
        await refreshProfiles();
        replace(status, h("p", { class: "ok" }, t("keys.saved")));
        location.hash = "#/ledgers";
      }
    } catch (e) {
      replace(status, errorBox(e as UserError));
    } finally {
      testButton.disabled = saveButton.disabled = false;
      // The answer appears under the form: bring it into view.
      status.scrollIntoView({ block: "nearest" });
    }
  };
  testButton.addEventListener("click", () => void run("test"));

  const formEl = h(
    "form",
    { class: "keys-form", "data-testid": "keys-form", novalidate: true },
    h(
      "fieldset",
      { class: "kind" },
      h("legend", {}, t("keys.kind")),
      kindRadio("merchant", "keys.kind.merchant"),
      kindRadio("accounting", "keys.kind.accounting"),
    ),
    name.row,
    clientId.row,
    secret.row,
    sub.row,
    msn.row,
    h("details", { class: "advanced" }, h("summary", {}, t("keys.advanced")), baseUrl.row),
    h("div", { class: "actions" }, testButton, saveButton),
    status,
  );
  formEl.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void run("save");
  });
  const saved = h("section", { class: "saved-profiles", "data-testid": "saved-profiles" });
  const removeStatus = h("div", { class: "status", "aria-live": "polite" });
  /** Saved (non-demo) profiles, each with a Remove button that asks for a second click. */
  const listSaved = async () => {
    const profiles = (await api.listProfiles()).filter((p) => !p.demo);
    if (profiles.length === 0) {
      saved.replaceChildren();
      return;
    }
    const rows = profiles.map((p) => {
      const remove = h("button", { type: "button", class: "secondary", "data-testid": `remove-${p.name}` }, t("keys.remove"));
      let armed = false;
      remove.addEventListener("click", async () => {
        if (!armed) {
          armed = true;
          remove.textContent = t("keys.remove.confirm", { name: p.name });
          return;
        }
        remove.disabled = true;
        try {
          await api.removeProfile(p.name);
          await refreshProfiles();
          replace(removeStatus, h("p", { class: "ok" }, t("keys.removed", { name: p.name })));
          await listSaved();
        } catch (e) {
          replace(removeStatus, errorBox(e as UserError));
          remove.disabled = false;
        }
      });
      return h("li", {}, h("span", {}, `${p.name} · ${p.clientId}`), " ", remove);
    });
    saved.replaceChildren(h("h2", {}, t("keys.profiles")), h("ul", { class: "profile-list" }, ...rows));
  };
  root.replaceChildren(
    h(
      "section",
      { class: "screen narrow" },
      h("h1", { tabindex: "-1" }, t("keys.title")),
      h("p", { class: "lead" }, t("keys.lead")),
      formEl,
      saved,
      removeStatus,
      privacySection(),
    ),
  );
  void listSaved().catch((e) => replace(removeStatus, errorBox(e as UserError)));
}

/** "Forget personal data": erases names, phone numbers and messages from the cache, after a second click. */
function privacySection(): HTMLElement {
  const status = h("div", { class: "status", "aria-live": "polite", "data-testid": "forget-status" });
  const button = h("button", { type: "button", class: "secondary", "data-testid": "forget-personal-data" }, t("privacy.forget"));
  let armed = false;
  button.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      button.textContent = t("privacy.forget.confirm");
      return;
    }
    button.disabled = true;
    try {
      const count = await api.forgetPersonalData();
      replace(status, h("p", { class: "ok" }, t("privacy.forgotten", { count: formatCount(count, lang()) })));
    } catch (e) {
      replace(status, errorBox(e as UserError));
    } finally {
      armed = false;
      button.disabled = false;
      button.textContent = t("privacy.forget");
    }
  });
  return h("section", { class: "privacy" }, h("h2", {}, t("privacy.title")), h("p", { class: "muted" }, t("privacy.lead")), button, status);
}
