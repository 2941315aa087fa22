// What every paginated list shows around its table: the error, the empty message,
// the loading line and the "more" button.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Empty, ErrorState, Loading } from "./States";
import type { Paged } from "./usePaged";

export function PagedList<T>({ list, empty, children }: { list: Paged<T>; empty: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <>
      {list.state.kind === "error" && <ErrorState problem={list.state.problem} onRetry={list.reload} />}
      {list.state.kind === "done" && list.rows.length === 0 && <Empty message={empty} />}
      {list.rows.length > 0 && children}
      {list.state.kind === "loading" && <Loading />}
      {list.hasMore && list.state.kind === "done" && (
        <button type="button" onClick={list.more}>
          {t("list.more")}
        </button>
      )}
    </>
  );
}
