// A cursor-paginated list as the services serve it (`items`, `next_cursor`): the
// rows loaded so far, the state of the last page asked for, `more()` while there is
// a next page, and a reload from the first page. A cursor belongs to the filter it
// was read under (`deps`): a new filter starts at page one.
import { useCallback, useEffect, useState } from "react";
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
  const filter = JSON.stringify(deps);
  const [at, setAt] = useState<{ filter: string; cursor?: string }>({ filter });
  const cursor = at.filter === filter ? at.cursor : undefined;
  const [rows, setRows] = useState<T[]>([]);
  const [state, reloadPage] = useLoad(() => load(cursor), [filter, cursor]);
  useEffect(() => {
    if (state.kind === "done") setRows((r) => (cursor ? [...r, ...state.data.items] : state.data.items));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state]);
  const reload = useCallback(() => {
    setAt({ filter });
    reloadPage();
  }, [filter, reloadPage]);
  const next = state.kind === "done" ? (state.data.next_cursor ?? undefined) : undefined;
  return {
    state,
    rows,
    hasMore: next !== undefined,
    more: () => setAt({ filter, cursor: next }),
    reload,
  };
}
