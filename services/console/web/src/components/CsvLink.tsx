// A report's CSV download: the same request as the table beneath it, `format=csv`,
// through the gateway (the session cookie goes with a plain link).
import { useTranslation } from "react-i18next";

export function CsvLink({ service, path, query = {} }: { service: string; path: string; query?: Record<string, string | undefined> }) {
  const { t } = useTranslation();
  const params = new URLSearchParams({ format: "csv" });
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const name = path.split("/").filter(Boolean).pop() ?? "report";
  return (
    <a className="csv" href={`/api/${service}/v1${path}?${params}`} download={`${name}.csv`}>
      {t("list.csv")}
    </a>
  );
}
