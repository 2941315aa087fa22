// One request's life for a page: loading, then data or a problem; `reload` repeats.
import { useCallback, useEffect, useState } from "react";
import { toProblem, type Problem } from "../api/problem";

export type Loaded<T> =
  | { kind: "loading" }
  | { kind: "error"; problem: Problem }
  | { kind: "done"; data: T };

/** `load` answers like openapi-fetch: `{ data }` or `{ error, response }`. */
export function useLoad<T>(
  load: () => Promise<{ data?: T; error?: unknown; response: Response }>,
  deps: unknown[],
): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ kind: "loading" });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  useEffect(() => {
    let live = true;
    setState({ kind: "loading" });
    load()
      .then(({ data, error, response }) => {
        if (!live) return;
        if (data !== undefined && response.ok) setState({ kind: "done", data });
        else setState({ kind: "error", problem: toProblem(error, response.status) });
      })
      .catch((e: unknown) => live && setState({ kind: "error", problem: toProblem(e) }));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  return [state, reload];
}
