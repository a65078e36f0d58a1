// The shell: header with navigation, profile and language switchers, the demo banner, and the
// screen for the current address.
import "./style.css";
import { api, type AppInfo, type UserError } from "./api";
import { h, replace } from "./dom";
import { isLang, lang, setLang, t } from "./i18n";
import { parse, type Route } from "./router";
import { app, currentProfile, isDemo, selectProfile, setProfiles } from "./state";
import { captureView } from "./views/capture";
import { clientsView } from "./views/clientsScreen";
import { dayView } from "./views/day";
import { errorBox } from "./views/errors";
import { exportView } from "./views/export";
import { keysView } from "./views/keys";
import { ledgersView } from "./views/ledgers";
import { monthView } from "./views/month";
import { payoutView } from "./views/payout";
import { searchView } from "./views/search";
import { aboutView } from "./views/about";
import { welcomeView } from "./views/welcome";

// The CSP must never block anything the app itself does; the end-to-end suite checks this count.
document.addEventListener("securitypolicyviolation", (e) => {
  document.body.dataset.cspViolations = String(Number(document.body.dataset.cspViolations ?? 0) + 1);
  document.body.dataset.cspLast = `${e.violatedDirective} ${e.blockedURI}`;
});

const root = document.getElementById("app") as HTMLElement;
const header = h("header", { class: "topbar" });
const banner = h("div", { class: "demo-banner", role: "status", "data-testid": "demo-banner", hidden: true });
const main = h("main", { id: "view", class: "view", tabindex: "-1" });
let lastLedger: string | null = null;
// Version and data folder (what support asks for first): shown on the About screen.
let info: AppInfo | null = null;

async function refreshProfiles(): Promise<void> {
  setProfiles(await api.listProfiles());
  renderChrome();
}

/** The first screen: with accounting keys the Clients overview, else the ledgers. */
function startHash(): string {
  if (!app.profiles.length) return "#/welcome";
  return currentProfile()?.kind === "accounting" ? `#/clients/${app.defaultMonth}` : "#/ledgers";
}

function navLink(hash: string, label: string, testid: string, active: boolean): HTMLElement {
  return h("a", { href: hash, class: active ? "nav-link active" : "nav-link", "aria-current": active ? "page" : undefined, "data-testid": testid }, label);
}

function renderChrome(): void {
  const route = parse(location.hash);
  const name = route?.name ?? "";
  const profileSelect = h(
    "select",
    { "aria-label": t("nav.profile"), "data-testid": "profile-switcher", disabled: app.profiles.length === 0 },
    app.profiles.map((p) => h("option", { value: p.name }, p.demo ? `${p.name} (demo)` : p.name)),
  );
  if (app.profile) profileSelect.value = app.profile;
  profileSelect.addEventListener("change", () => {
    selectProfile(profileSelect.value);
    lastLedger = null;
    if (location.hash === "#/ledgers") route_();
    else location.hash = "#/ledgers"; // hashchange shows the ledgers
  });
  const langSelect = h(
    "select",
    { "aria-label": t("nav.language"), "data-testid": "lang-switch" },
    // Each language named in its own words, so a reader finds theirs whatever is showing.
    h("option", { value: "en" }, "English"),
    h("option", { value: "nb" }, "Norsk bokmål"),
    h("option", { value: "da" }, "Dansk"),
    h("option", { value: "fi" }, "Suomi"),
  );
  langSelect.value = lang();
  langSelect.addEventListener("change", () => {
    setLang(isLang(langSelect.value) ? langSelect.value : "en");
    renderChrome();
    route_();
  });
  const exportHash = lastLedger ? `#/export/${encodeURIComponent(lastLedger)}/${app.defaultMonth}` : "#/ledgers";
  // In a narrow window the links fold into a menu (CSS shows the button below 960 px).
  const menuButton = h("button", { type: "button", class: "menu-button secondary", "aria-expanded": "false", "aria-controls": "main-nav", "data-testid": "nav-menu" }, "☰ ", t("nav.menu"));
  menuButton.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    menuButton.setAttribute("aria-expanded", String(open));
  });
  const nav = h(
      "nav",
      { class: "nav", id: "main-nav", "aria-label": t("nav.main") },
      app.profiles.length
        ? [
            currentProfile()?.kind === "accounting"
              ? navLink(`#/clients/${route?.name === "clients" ? route.month : app.defaultMonth}`, t("nav.clients"), "nav-clients", name === "clients")
              : null,
            navLink("#/ledgers", t("nav.ledgers"), "nav-ledgers", ["ledgers", "month", "day", "payout"].includes(name)),
            navLink("#/search", t("nav.search"), "nav-search", name === "search" || name === "capture"),
            navLink(exportHash, t("nav.export"), "nav-export", name === "export"),
          ]
        : null,
      navLink("#/keys", t("nav.addKeys"), "nav-keys", name === "keys"),
      navLink("#/about", t("nav.about"), "nav-about", name === "about"),
    );
  nav.addEventListener("click", (ev) => {
    if ((ev.target as HTMLElement).closest("a")) {
      nav.classList.remove("open");
      menuButton.setAttribute("aria-expanded", "false");
    }
  });
  replace(
    header,
    h("a", { href: startHash(), class: "brand", "data-testid": "brand" }, h("img", { src: "/icon.png", alt: "", width: 24, height: 24 }), "Avstem"),
    menuButton,
    nav,
    h("span", { class: "spacer" }),
    app.profiles.length ? h("label", { class: "inline" }, h("span", { class: "sr-only" }, t("nav.profile")), profileSelect) : null,
    langSelect,
  );
  banner.hidden = !isDemo();
  banner.textContent = t("demo.banner");
}

function show(route: Route): void {
  switch (route.name) {
    case "welcome":
      return welcomeView(main, refreshProfiles);
    case "keys":
      return keysView(main, refreshProfiles);
    case "about":
      return aboutView(main, info);
    case "ledgers":
      return ledgersView(main);
    case "clients":
      return clientsView(main, route.month);
    case "month":
      lastLedger = route.ledgerId;
      return monthView(main, route.ledgerId, route.month);
    case "day":
      lastLedger = route.ledgerId;
      return dayView(main, route.ledgerId, route.date, route.topic);
    case "payout":
      return payoutView(main, route.ledgerId, route.psp);
    case "capture":
      return captureView(main, route.psp);
    case "search":
      return searchView(main, route.text);
    case "export":
      lastLedger = route.ledgerId;
      return exportView(main, route.ledgerId, route.month);
  }
}

function route_(): void {
  const route = parse(location.hash);
  if (!route) {
    location.replace(startHash());
    return;
  }
  renderChrome();
  show(route);
  window.scrollTo(0, 0);
  document.body.dataset.route = route.name;
  // Move focus to the new screen's heading so keyboard and screen-reader users land on it, unless
  // the screen put it somewhere itself (search keeps it in its box).
  const active = document.activeElement;
  if (!(active instanceof HTMLElement && active !== main && main.contains(active))) main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
}

async function start(): Promise<void> {
  setLang(lang());
  root.replaceChildren(h(
      "a",
      {
        href: "#view",
        class: "skip",
        // The address is the router's: move focus without changing it.
        onclick: (e: Event) => {
          e.preventDefault();
          (main.querySelector<HTMLElement>("h1") ?? main).focus();
        },
      },
      t("nav.skip"),
    ), header, banner, main);
  try {
    // Version and data folder: what support asks for first. The default month comes from Rust's clock.
    info = await api.appInfo();
    app.defaultMonth = info.defaultMonth;
    await refreshProfiles();
  } catch (e) {
    replace(main, errorBox(e as UserError));
  }
  window.addEventListener("hashchange", route_);
  route_();
  document.body.dataset.ready = "true";
}

void start();
