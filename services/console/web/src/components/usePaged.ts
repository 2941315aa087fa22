// A cursor-paginated list for a page: the rows loaded so far, "more" while the
// service has a next page, and a reload from the first page (after an action).
import { useEffect, useState } from "react";
import { useLoad, type Loaded } from "./useLoad";

export type PageOf<T> = { items: T[]; next_cursor?: string | null };

export type Paged<T> = {
  rows: T[];
  /** The last request's state: loading (first or next page), error, or done. */
  state: Loaded<PageOf<T>>;
  /** Set while the service has a next page. */
  more: (() => void) | null;
  reload: () => void;
};

/** `load(cursor)` answers like openapi-fetch; `deps` restart from the first page. */
export function usePaged<T>(
  load: (cursor: string | undefined) => Promise<{ data?: PageOf<T>; error?: unknown; response: Response }>,
  deps: unknown[],
): Paged<T> {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [rows, setRows] = useState<T[]>([]);
  const [state, reloadPage] = useLoad(() => load(cursor), [cursor, ...deps]);
  useEffect(() => {
    setCursor(undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    if (state.kind === "done") setRows((r) => (cursor ? [...r, ...state.data.items] : state.data.items));
  }, [state, cursor]);
  const next = state.kind === "done" ? state.data.next_cursor : null;
  return {
    rows,
    state,
    more: next ? () => setCursor(next) : null,
    reload: () => {
      if (cursor === undefined) reloadPage();
      else setCursor(undefined);
    },
  };
}
