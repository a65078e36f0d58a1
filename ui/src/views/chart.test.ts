import { describe, expect, it } from "vitest";
import { barFor } from "./chart";

describe("chart bars", () => {
  it("scale to the largest value and stand on the zero line", () => {
    expect(barFor(28800, 28800, 100, 100, 10, 8)).toEqual({ x: 10, y: 0, width: 8, height: 100 });
    expect(barFor(14400, 28800, 100, 100, 10, 8)).toEqual({ x: 10, y: 50, width: 8, height: 50 });
  });
  it("hang below the line when negative", () => {
    expect(barFor(-7200, 28800, 100, 100, 0, 8)).toEqual({ x: 0, y: 100, width: 8, height: 25 });
  });
});
