// Every key of one catalog is in the other, no value is empty, no key is written in
// two files, and every key the source code names exists: a missing translation fails
// here, not in front of a user.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FILES, messages, type Tree } from "./messages";

const zh = messages("zh-CN");
const en = messages("en");

function keys(tree: Tree, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === "string" ? [prefix + k] : keys(v, `${prefix}${k}.`),
  );
}

function value(tree: Tree, key: string): unknown {
  return key.split(".").reduce<unknown>((t, k) => (t as Tree | undefined)?.[k], tree);
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("message catalogs", () => {
  it("have the same keys in zh-CN and en", () => {
    const zhKeys = keys(zh as Tree).sort();
    const enKeys = keys(en as Tree).sort();
    expect(zhKeys.filter((k) => !enKeys.includes(k))).toEqual([]);
    expect(enKeys.filter((k) => !zhKeys.includes(k))).toEqual([]);
  });

  it("write each key in one file only, with the same files for both languages", () => {
    for (const language of ["zh-CN", "en"]) {
      const seen = new Map<string, string>();
      const twice: string[] = [];
      for (const [path, tree] of Object.entries(FILES).filter(([p]) => p.startsWith(`./${language}/`))) {
        for (const key of keys(tree)) {
          const first = seen.get(key);
          if (first) twice.push(`${key}: ${first} and ${path}`);
          seen.set(key, path);
        }
      }
      expect(twice).toEqual([]);
    }
    const names = (language: string) =>
      Object.keys(FILES)
        .filter((p) => p.startsWith(`./${language}/`))
        .map((p) => p.slice(language.length + 3))
        .sort();
    expect(names("zh-CN")).toEqual(names("en"));
    expect(names("en")).toContain("common.json");
  });

  it("have no empty message", () => {
    for (const [name, tree] of [["zh-CN", zh], ["en", en]] as const) {
      const empty = keys(tree as Tree).filter((k) => !String(value(tree as Tree, k)).trim());
      expect(empty, name).toEqual([]);
    }
  });

  it("hold every key the code asks for", () => {
    const root = join(__dirname, "..");
    const used = new Set<string>();
    for (const file of sources(root)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\bt\(\s*"([a-zA-Z0-9_.]+)"/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(10);
    // A counted message (`t(key, { count })`) is written as `key_one` / `key_other`.
    const has = (tree: Tree, k: string) =>
      typeof value(tree, k) === "string" || typeof value(tree, `${k}_other`) === "string";
    const missing = [...used].filter((k) => !has(zh, k) || !has(en, k));
    expect(missing).toEqual([]);
  });
});
