// Screens are addressed by the URL hash, so Back works and every screen can be linked and tested.

export type Route =
  | { name: "welcome" }
  | { name: "keys" }
  | { name: "about" }
  | { name: "ledgers" }
  | { name: "clients"; month: string }
  | { name: "month"; ledgerId: string; month: string }
  | { name: "day"; ledgerId: string; date: string; topic: "funds" | "fees" }
  | { name: "payout"; ledgerId: string; psp: string }
  | { name: "capture"; psp: string }
  | { name: "search"; text: string }
  | { name: "export"; ledgerId: string; month: string };

const enc = encodeURIComponent;

export function href(r: Route): string {
  switch (r.name) {
    case "welcome":
    case "keys":
    case "about":
    case "ledgers":
      return `#/${r.name}`;
    case "clients":
      return `#/clients/${r.month}`;
    case "month":
      return `#/month/${enc(r.ledgerId)}/${r.month}`;
    case "day":
      return `#/day/${enc(r.ledgerId)}/${r.date}${r.topic === "fees" ? "?topic=fees" : ""}`;
    case "payout":
      return `#/payout/${enc(r.ledgerId)}/${enc(r.psp)}`;
    case "capture":
      return `#/capture/${enc(r.psp)}`;
    case "search":
      return r.text ? `#/search?q=${enc(r.text)}` : "#/search";
    case "export":
      return `#/export/${enc(r.ledgerId)}/${r.month}`;
  }
}

const MONTH = /^\d{4}-\d{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parse a location hash; anything unknown is `null` (the app then picks a start screen). */
export function parse(hash: string): Route | null {
  const raw = hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?", 2);
  const params = new URLSearchParams(query);
  let parts: string[];
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
  const [name, a, b] = parts;
  switch (name) {
    case "welcome":
    case "keys":
    case "about":
    case "ledgers":
      return { name };
    case "clients":
      return a && MONTH.test(a) ? { name, month: a } : null;
    case "month":
      return a && b && MONTH.test(b) ? { name, ledgerId: a, month: b } : null;
    case "day":
      return a && b && DATE.test(b)
        ? { name, ledgerId: a, date: b, topic: params.get("topic") === "fees" ? "fees" : "funds" }
        : null;
    case "payout":
      return a && b ? { name, ledgerId: a, psp: b } : null;
    case "capture":
      return a ? { name, psp: a } : null;
    case "search":
      return { name, text: params.get("q") ?? "" };
    case "export":
      return a && b && MONTH.test(b) ? { name, ledgerId: a, month: b } : null;
    default:
      return null;
  }
}

export function go(r: Route): void {
  location.hash = href(r);
}
