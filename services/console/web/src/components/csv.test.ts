// CSV cells that hold a comma, a quote or a line break are quoted, quotes doubled.
import { describe, expect, it } from "vitest";
import { toCsv } from "./csv";

describe("toCsv", () => {
  it("quotes only what needs it", () => {
    expect(toCsv([["week", "rate"], ["a,b", 'say "hi"'], ["line\nbreak", "0.9"]])).toBe(
      'week,rate\r\n"a,b","say ""hi"""\r\n"line\nbreak",0.9\r\n',
    );
  });
});
