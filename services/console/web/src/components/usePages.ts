// A cursor-paginated list for a page: the rows loaded so far, the state of the last
// request, and `more` while the service has a next page (`next_cursor`).
import { useEffect, useState } from "react";
import { useLoad, type Loaded } from "./useLoad";

type PageOf<T> = { items: T[]; next_cursor?: string | null };

export type Pages<T> = {
  rows: T[];
  state: Loaded<PageOf<T>>;
  /** From the first page again. */
  reload: () => void;
  /** The next page, when there is one. */
  more: (() => void) | null;
};

/** `load(cursor)` answers like openapi-fetch with one page; `deps` restart from the first. */
export function usePages<T>(
  load: (cursor: string | undefined) => Promise<{ data?: PageOf<T>; error?: unknown; response: Response }>,
  deps: unknown[] = [],
): Pages<T> {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [rows, setRows] = useState<T[]>([]);
  const [state, reloadPage] = useLoad(() => load(cursor), [cursor, ...deps]);
  useEffect(() => {
    if (state.kind === "done") setRows((r) => (cursor ? [...r, ...state.data.items] : state.data.items));
  }, [state, cursor]);
  const next = state.kind === "done" ? state.data.next_cursor : null;
  return {
    rows,
    state,
    reload: () => {
      if (cursor === undefined) reloadPage();
      else setCursor(undefined);
    },
    more: next ? () => setCursor(next) : null,
  };
}
