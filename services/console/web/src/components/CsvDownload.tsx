// A link to a report's CSV: the console's gateway answers it with the session cookie,
// so the browser downloads it as a file without a script in between.
import { useTranslation } from "react-i18next";

/** `path` is the report under the gateway (`/api/inspection/v1/reports/…`), `query` its filter. */
export function CsvDownload({ path, query, filename }: { path: string; query: Record<string, string>; filename: string }) {
  const { t } = useTranslation();
  const search = new URLSearchParams({ ...query, format: "csv" });
  return (
    <a className="csv" href={`${path}?${search.toString()}`} download={filename}>
      {t("csv.download")}
    </a>
  );
}
