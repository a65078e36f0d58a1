import { describe, expect, it } from "vitest";
import { pagesFor, visibleWindow } from "./virtual";

describe("virtual rows", () => {
  it("renders a bounded window however long the day is", () => {
    const w = visibleWindow(0, 600, 32, 30000);
    expect(w).toEqual({ first: 0, count: 39 });
    const deep = visibleWindow(32 * 15000, 600, 32, 30000);
    expect(deep.first).toBe(14990);
    expect(deep.count).toBe(39);
  });
  it("stops at the last row", () => {
    expect(visibleWindow(32 * 29990, 600, 32, 30000)).toEqual({ first: 29980, count: 20 });
    expect(visibleWindow(0, 600, 32, 5)).toEqual({ first: 0, count: 5 });
    expect(visibleWindow(0, 600, 32, 0)).toEqual({ first: 0, count: 0 });
  });
  it("asks for the pages that hold the window", () => {
    expect(pagesFor({ first: 190, count: 39 }, 200)).toEqual([0, 1]);
    expect(pagesFor({ first: 0, count: 0 }, 200)).toEqual([]);
  });
});
