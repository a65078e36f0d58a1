// Pieces every screen uses: money cells, headings, loading and status chips.
import type { DayState } from "../bindings/DayState";
import type { OpenNote } from "../bindings/OpenNote";
import { h, type Child } from "../dom";
import { formatDate, formatMoney } from "../format";
import { lang, t, type MessageKey } from "../i18n";

/** A money figure; `data-minor` carries the exact øre for tests and copy/paste checks. */
export function money(minor: number, currency: string, testid?: string): HTMLElement {
  return h(
    "span",
    { class: minor < 0 ? "num neg" : "num", "data-minor": minor, "data-testid": testid },
    formatMoney(minor, currency, lang()),
  );
}

export function loading(): HTMLElement {
  return h("p", { class: "muted loading", "aria-busy": "true" }, t("common.loading"));
}

export function screen(title: Child, ...children: Child[]): HTMLElement {
  return h("section", { class: "screen" }, h("h1", { tabindex: "-1" }, title), ...children);
}

/** A date's state, decided in Rust (`DayState`); the chip shows it. */
export type ChipStatus = DayState;

/** An entry type in plain words ("sale" for `capture`); a type Avstem does not know keeps the API's
 * name. The API's term goes in the tooltip for the accountant who needs it. */
export function typeWords(entryType: string): string {
  const key = `type.${entryType}` as MessageKey;
  const words = t(key);
  return words === key ? entryType : words;
}

export function statusChip(status: ChipStatus, payout?: string | null, open?: OpenNote | null): HTMLElement {
  const label = t(`status.${status}` as MessageKey);
  const title = open ? openNoteText(open, true) : t(`status.${status}.title` as MessageKey, { payout: payout ?? "" });
  return h("span", { class: `chip chip-${status}`, title, "data-status": status }, label);
}

export function link(href: string, text: Child, attrs: Record<string, string> = {}): HTMLAnchorElement {
  return h("a", { href, ...attrs }, text);
}

/** Why a date is not closed yet, in words ("monthly settlement: closes 1 December"). */
export function openNoteText(note: OpenNote, short = false): string {
  const key = `open.${note.why}${short ? ".short" : ""}` as MessageKey;
  return t(key, { date: note.closes ? formatDate(note.closes, lang(), "long") : "" });
}

/** "‹ Back": the screen the user came from (browser history), or `fallback` when this screen was
 * opened directly (a link from outside, a fresh start). */
export function backLink(fallback: string): HTMLAnchorElement {
  const a = h("a", { href: fallback, class: "button secondary back", "data-testid": "back" }, "‹ ", t("common.back"));
  a.addEventListener("click", (ev) => {
    if (history.length > 1) {
      ev.preventDefault();
      history.back();
    }
  });
  return a;
}
