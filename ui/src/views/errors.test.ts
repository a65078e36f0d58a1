import { describe, expect, it } from "vitest";
import { asUserError } from "../api";
import { setLang } from "../i18n";
import { heading, nextStep, plainMessage, summary } from "./errors";

describe("errors for people", () => {
  it("keeps a UserError as it came from Rust", () => {
    const e = asUserError({ kind: "server", message: "The server had a problem.", contextId: "abc-123" });
    expect(e).toEqual({ kind: "server", message: "The server had a problem.", contextId: "abc-123" });
  });
  it("turns anything else into an internal error", () => {
    expect(asUserError("command foo not found")).toEqual({
      kind: "internal",
      message: "command foo not found",
      contextId: null,
    });
  });
  it("says what to do next, in the chosen language", () => {
    setLang("en");
    expect(nextStep("keys-rejected")).toContain("client ID");
    expect(nextStep("something-new")).toBe("Close Avstem and open it again.");
    setLang("nb");
    expect(nextStep("network")).toContain("internettforbindelsen");
    setLang("en");
  });
  it("puts a Bokmål sentence first when the app speaks Norwegian", () => {
    setLang("nb");
    expect(summary("keys-rejected")).toBe("Vipps MobilePay avviste nøklene.");
    expect(summary("brand-new-kind")).toBe("Avstem fikk et uventet problem.");
    setLang("en");
    expect(summary("keys-rejected")).toBe("");
  });
  it("titles the box with what happened, never \"something went wrong\"", () => {
    setLang("en");
    expect(heading("keys-rejected")).toBe("The keys were rejected");
    expect(heading("network")).toBe("Vipps MobilePay did not answer");
    expect(heading("brand-new-kind")).toBe("Avstem met a fault of its own");
    setLang("nb");
    expect(heading("keys-rejected")).toBe("Nøklene ble avvist");
    setLang("en");
  });
  it("never shows more than the first line", () => {
    expect(plainMessage("Boom.\n   at src/lib.rs:10\n   at main")).toBe("Boom.");
  });
});
