// A cursor-paginated list for a page: the rows loaded so far, the state of the last
// page asked for, "more" while the service has a next page, and a reload from the start.
import { useCallback, useEffect, useState } from "react";
import { useLoad, type Loaded } from "./useLoad";

type Page<T> = { items: T[]; next_cursor?: string | null };

export type CursorPages<T> = {
  rows: T[];
  page: Loaded<Page<T>>;
  /** Loads the next page onto `rows`; absent on the last page. */
  more?: () => void;
  reload: () => void;
};

/** `load(cursor)` answers like openapi-fetch; a change in `deps` starts from page one. */
export function useCursorPages<T>(
  load: (cursor: string | undefined) => Promise<{ data?: Page<T>; error?: unknown; response: Response }>,
  deps: unknown[],
): CursorPages<T> {
  const filter = JSON.stringify(deps);
  // The cursor belongs to the filter it was read under: a new filter starts at page one.
  const [at, setAt] = useState<{ filter: string; cursor?: string }>({ filter });
  const cursor = at.filter === filter ? at.cursor : undefined;
  const [rows, setRows] = useState<T[]>([]);
  const [page, reloadPage] = useLoad(() => load(cursor), [filter, cursor]);
  useEffect(() => {
    if (page.kind === "done") setRows((r) => (cursor ? [...r, ...page.data.items] : page.data.items));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [page]);
  const reload = useCallback(() => {
    setAt({ filter });
    reloadPage();
  }, [filter, reloadPage]);
  const next = page.kind === "done" ? page.data.next_cursor : undefined;
  return { rows, page, more: next ? () => setAt({ filter, cursor: next }) : undefined, reload };
}
