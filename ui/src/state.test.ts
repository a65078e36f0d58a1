import { describe, expect, it } from "vitest";
import type { Profile } from "./api";
import { chooseProfile } from "./state";

const profile = (name: string, demo = false): Profile => ({
  name,
  kind: "merchant",
  clientId: "id",
  msn: null,
  baseUrl: "https://api.vipps.no",
  envSecrets: false,
  demo,
});

describe("profile choice", () => {
  it("keeps the remembered profile while it exists", () => {
    expect(chooseProfile([profile("cafe"), profile("demo", true)], "demo")).toBe("demo");
  });
  it("falls back to the first profile, or none", () => {
    expect(chooseProfile([profile("cafe")], "gone")).toBe("cafe");
    expect(chooseProfile([], "gone")).toBeNull();
  });
});
