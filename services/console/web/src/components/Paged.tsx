// What every paginated list shows around its table: the empty message, the error
// (with retry), the loading line and the "more" button.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Empty, ErrorState, Loading } from "./States";
import type { Paged } from "./usePaged";

/** The list's table (`children`) once it has rows, its empty message, and its foot. */
export function PagedList<T>({ list, empty, children }: { list: Paged<T>; empty: string; children: ReactNode }) {
  return (
    <>
      {list.state.kind === "done" && list.rows.length === 0 && <Empty message={empty} />}
      {list.rows.length > 0 && children}
      <PagedFooter list={list} />
    </>
  );
}

/** The foot of a list: its error, loading, and the next page while there is one. */
export function PagedFooter<T>({ list }: { list: Paged<T> }) {
  const { t } = useTranslation();
  return (
    <>
      {list.state.kind === "error" && <ErrorState problem={list.state.problem} onRetry={list.reload} />}
      {list.state.kind === "loading" && <Loading />}
      {list.hasMore && list.state.kind === "done" && (
        <button type="button" onClick={list.more}>
          {t("list.more")}
        </button>
      )}
    </>
  );
}
