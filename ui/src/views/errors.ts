// Errors in plain words with what to do next; never a stack trace.
import type { UserError } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";

const KNOWN = new Set([
  "keys-rejected",
  "no-access",
  "rate-limited",
  "server",
  "validation",
  "network",
  "undecodable",
  "keyring",
  "cache",
  "input",
  "io",
  "cancelled",
  "internal",
]);

/** The next step for an error kind, in the current language. */
export function nextStep(kind: string): string {
  const key = (KNOWN.has(kind) ? `error.next.${kind}` : "error.next.internal") as MessageKey;
  return t(key);
}

/** Only the first line of a message: a Rust panic or backtrace must never reach the user. */
export function plainMessage(message: string): string {
  const first = message.split("\n")[0].trim();
  return first.length > 400 ? `${first.slice(0, 400)}…` : first;
}

/** A sentence in the user's language for the kind, when the Rust sentence is not in it (Bokmål). */
export function summary(kind: string): string {
  const key = (KNOWN.has(kind) ? `error.summary.${kind}` : "error.summary.internal") as MessageKey;
  return t(key);
}

/** What happened, as the box's title ("The keys were rejected"), never "Something went wrong". */
export function heading(kind: string): string {
  const key = (KNOWN.has(kind) ? `error.heading.${kind}` : "error.heading.internal") as MessageKey;
  return t(key);
}

export function errorBox(err: UserError, retry?: () => void): HTMLElement {
  const next = nextStep(err.kind);
  const translated = summary(err.kind);
  return h(
    "div",
    { class: "error", role: "alert", "data-testid": "error", "data-kind": err.kind },
    h("strong", { "data-testid": "error-title" }, heading(err.kind)),
    translated ? h("p", {}, translated) : null,
    h("p", { "data-testid": "error-message", class: translated ? "muted small" : undefined }, translated ? `${t("error.details")}: ` : "", plainMessage(err.message)),
    next ? h("p", { class: "next" }, next) : null,
    err.contextId ? h("p", { class: "muted small" }, t("error.context", { id: err.contextId })) : null,
    retry ? h("button", { type: "button", class: "secondary", onclick: () => retry() }, t("error.retry")) : null,
  );
}
