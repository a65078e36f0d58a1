import { describe, expect, it } from "vitest";
import { href, parse, type Route } from "./router";

describe("routes", () => {
  it("round-trip through the hash", () => {
    const routes: Route[] = [
      { name: "welcome" },
      { name: "about" },
      { name: "ledgers" },
      { name: "clients", month: "2024-05" },
      { name: "month", ledgerId: "12345", month: "2022-10" },
      { name: "day", ledgerId: "12345", date: "2022-10-01", topic: "fees" },
      { name: "day", ledgerId: "12345", date: "2022-10-01", topic: "funds" },
      { name: "payout", ledgerId: "12345", psp: "12345-2000023" },
      { name: "capture", psp: "psp/with spaces&odd?chars" },
      { name: "search", text: "order 42" },
      { name: "export", ledgerId: "12345", month: "2022-10" },
    ];
    for (const r of routes) expect(parse(href(r))).toEqual(r);
  });
  it("rejects what is not a screen", () => {
    expect(parse("#/month/12345/October")).toBeNull();
    expect(parse("#/nowhere")).toBeNull();
    expect(parse("#/clients/May")).toBeNull();
    expect(parse("")).toBeNull();
    expect(parse("#/day/1/%E0%A4%A")).toBeNull();
  });
});
