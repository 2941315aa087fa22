// The message catalogs: one folder per language, one file per area of the console
// (`common`, `orders`, `dealer`, `warehouse`, …), merged into one tree per language,
// so areas add their messages without touching each other's files.
export type Tree = { [key: string]: string | Tree };

/** Every catalog file, by path (`./en/dealer.json`). */
export const FILES: Record<string, Tree> = import.meta.glob<Tree>("./*/*.json", {
  eager: true,
  import: "default",
});

function merge(into: Tree, from: Tree): Tree {
  for (const [key, value] of Object.entries(from)) {
    const there = into[key];
    into[key] =
      typeof value === "object" && typeof there === "object" ? merge({ ...there }, value) : value;
  }
  return into;
}

/** The merged catalog of `language`. */
export function messages(language: string): Tree {
  return Object.entries(FILES)
    .filter(([path]) => path.startsWith(`./${language}/`))
    .sort(([a], [b]) => a.localeCompare(b))
    .reduce<Tree>((all, [, tree]) => merge(all, tree), {});
}
