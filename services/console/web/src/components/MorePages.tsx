// The foot of a cursor-paginated list: its error (with retry), loading, and the button
// that loads the next page while there is one.
import { useTranslation } from "react-i18next";
import { ErrorState, Loading } from "./States";
import type { CursorPages } from "./useCursorPages";

export function MorePages<T>({ pages }: { pages: CursorPages<T> }) {
  const { t } = useTranslation();
  return (
    <>
      {pages.page.kind === "error" && <ErrorState problem={pages.page.problem} onRetry={pages.reload} />}
      {pages.page.kind === "loading" && <Loading />}
      {pages.more && (
        <button type="button" onClick={pages.more}>
          {t("pages.more")}
        </button>
      )}
    </>
  );
}
