// A link that downloads a service's report as CSV through the console's gateway (the
// session cookie goes with it; a GET needs no CSRF token).
import { useTranslation } from "react-i18next";

export function CsvDownload({
  service,
  path,
  query,
  filename,
  label,
}: {
  service: string;
  /** The API path after `/api/v1`, e.g. `/reports/aging`. */
  path: string;
  query: Record<string, string | undefined>;
  filename: string;
  /** What the CSV holds, for the link's accessible name. */
  label: string;
}) {
  const { t } = useTranslation();
  const params = new URLSearchParams({ format: "csv" });
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  return (
    <a className="csv" href={`/api/${service}/v1${path}?${params}`} download={filename}>
      {t("csv.download", { what: label })}
    </a>
  );
}
