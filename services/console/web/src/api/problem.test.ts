import { describe, expect, it } from "vitest";
import { fieldMessage, otherMessages, toProblem } from "./problem";

describe("problem+json", () => {
  const problem = {
    status: 422,
    detail: "invalid",
    errors: [
      { field: "lines[0].qty", message: "must be between 1 and 100000" },
      { field: "priority", message: "unknown" },
    ],
  };

  it("finds the message beside its field", () => {
    expect(fieldMessage(problem, "lines[0].qty")).toBe("must be between 1 and 100000");
    expect(fieldMessage(problem, "lines[1].qty")).toBeUndefined();
    expect(fieldMessage(null, "x")).toBeUndefined();
  });

  it("keeps what no field shows for the form", () => {
    expect(otherMessages(problem, ["lines[0].qty"])).toEqual(["priority: unknown"]);
  });

  it("turns a network error into a status-0 problem", () => {
    expect(toProblem(new TypeError("Failed to fetch"))).toEqual({ status: 0, detail: "Failed to fetch" });
    expect(toProblem(problem)).toBe(problem);
  });
});
