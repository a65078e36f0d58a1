// Search everything on this computer by order reference or pspReference (works offline).
import { api, type UserError } from "../api";
import { h, replace } from "../dom";
import { formatDate } from "../format";
import { lang, t } from "../i18n";
import { href } from "../router";
import { money, screen, typeWords } from "./common";
import { errorBox } from "./errors";

/** The most results listed; `search_entries` returns one more to tell that there are more. */
export const SEARCH_SHOWN = 200;

export function searchView(root: HTMLElement, text: string): void {
  const input = h("input", { type: "search", value: text, placeholder: t("search.placeholder"), "aria-label": t("search.placeholder"), "data-testid": "search-input", class: "wide" });
  const results = h("div", { "aria-live": "polite", "data-testid": "search-results" });
  const form = h("form", { class: "toolbar", role: "search" }, input, h("button", { type: "submit", class: "primary", "data-testid": "search-go" }, t("search.go")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.hash = href({ name: "search", text: input.value.trim() });
  });
  root.replaceChildren(screen(t("search.title"), h("p", { class: "lead" }, t("search.lead")), form, results));
  // Focus stays in the box, with the caret after the text, so the search can be refined at once.
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  if (!text) return;
  void (async () => {
    try {
      const found = await api.search(text);
      // Rust returns one more than is shown, so the screen can say the list is cut.
      const capped = found.length > SEARCH_SHOWN;
      const hits = found.slice(0, SEARCH_SHOWN);
      const l = lang();
      replace(
        results,
        hits.length === 0
          ? h("p", { class: "muted" }, t("search.none", { text }))
          : [
              capped
                ? h("p", { class: "notice", "data-testid": "search-capped" }, t("search.capped", { shown: SEARCH_SHOWN }))
                : h("p", { class: "muted", "data-testid": "search-count" }, t("search.results", { count: hits.length })),
              h(
                "table",
                { class: "table" },
                h("thead", {}, h("tr", {}, h("th", {}, t("search.date")), h("th", {}, t("search.ledger")), h("th", {}, t("day.type")), h("th", {}, t("day.reference")), h("th", {}, t("day.psp")), h("th", { class: "right" }, t("day.amount")))),
                h(
                  "tbody",
                  {},
                  hits.map((e) =>
                    h(
                      "tr",
                      { "data-testid": "search-hit" },
                      h("td", {}, h("a", { href: href({ name: "day", ledgerId: e.ledgerId, date: e.ledgerDate, topic: e.topic }) }, formatDate(e.ledgerDate, l))),
                      h("td", { class: "mono" }, e.ledgerId),
                      h("td", { title: e.entryType }, typeWords(e.entryType)),
                      h("td", {}, e.reference),
                      h("td", { class: "mono" }, h("a", { href: href({ name: "capture", psp: e.pspReference }) }, e.pspReference)),
                      h("td", { class: "right" }, money(e.amount, e.currency)),
                    ),
                  ),
                ),
              ),
            ],
      );
    } catch (e) {
      replace(results, errorBox(e as UserError));
    }
  })();
}
