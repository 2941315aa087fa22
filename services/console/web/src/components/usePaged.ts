// A cursor-paginated list as the services serve it (`items`, `next_cursor`): the
// rows loaded so far, whether there are more, and `more()` for the next page.
// Changing `deps` (a filter) starts again from the first page.
import { useEffect, useState } from "react";
import { useLoad, type Loaded } from "./useLoad";

type PageOf<T> = { items: T[]; next_cursor?: string | null };

export type Paged<T> = {
  state: Loaded<PageOf<T>>;
  rows: T[];
  hasMore: boolean;
  more: () => void;
  reload: () => void;
};

export function usePaged<T>(
  load: (cursor: string | undefined) => Promise<{ data?: PageOf<T>; error?: unknown; response: Response }>,
  deps: unknown[],
): Paged<T> {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [rows, setRows] = useState<T[]>([]);
  const key = JSON.stringify(deps);
  // A new filter: back to the first page.
  useEffect(() => setCursor(undefined), [key]);
  const [state, reloadPage] = useLoad(() => load(cursor), [key, cursor]);
  useEffect(() => {
    if (state.kind === "done") setRows((r) => (cursor ? [...r, ...state.data.items] : state.data.items));
  }, [state, cursor]);
  const next = state.kind === "done" ? (state.data.next_cursor ?? undefined) : undefined;
  return {
    state,
    rows,
    hasMore: next !== undefined,
    more: () => setCursor(next),
    reload: () => (cursor ? setCursor(undefined) : reloadPage()),
  };
}
