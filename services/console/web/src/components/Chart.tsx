// A chart with its data as a table beneath and the same data as CSV: the chart for
// the eye, the table for screen readers and exact figures, the CSV for a spreadsheet.
// Chart.js (registered with only what these charts use, so the bundle stays small).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { toCsv } from "./csv";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

export type Series = {
  label: string;
  values: (number | null)[];
  kind?: "bar" | "line";
  /** A target drawn as a dashed line. */
  target?: boolean;
};

const COLOURS = ["#0b5cad", "#1b6e3a", "#8a5a00", "#6b3fa0", "#a4161a"];

export function ChartFigure({
  title,
  labels,
  series,
  format,
  csvName,
}: {
  title: string;
  labels: string[];
  series: Series[];
  /** How a value reads in the table and the tooltip. */
  format: (value: number) => string;
  csvName: string;
}) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: {
        labels,
        datasets: series.map((s, i) => ({
          type: s.kind ?? "bar",
          label: s.label,
          data: s.values,
          borderColor: s.target ? "#4f5868" : COLOURS[i % COLOURS.length],
          backgroundColor: s.target ? "transparent" : COLOURS[i % COLOURS.length],
          borderDash: s.target ? [6, 4] : undefined,
          pointRadius: s.target ? 0 : 3,
          spanGaps: true,
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${format(c.parsed.y ?? 0)}` } } },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => format(Number(v)) } } },
      },
    });
    return () => chart.destroy();
  }, [labels, series, format]);

  const header = [t("dashboard.period"), ...series.map((s) => s.label)];
  const rows = labels.map((label, i) => [label, ...series.map((s) => (s.values[i] == null ? "—" : format(s.values[i]!)))]);
  const csv = toCsv([header, ...labels.map((label, i) => [label, ...series.map((s) => (s.values[i] == null ? "" : String(s.values[i])))])]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={title} />
      </div>
      <table>
        <thead>
          <tr>
            {header.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row[0]}>
              {row.map((cell, i) => (i === 0 ? <th key={i} scope="row">{cell}</th> : <td key={i} className="num">{cell}</td>))}
            </tr>
          ))}
        </tbody>
      </table>
      <a className="csv" href={`data:text/csv;charset=utf-8,${encodeURIComponent(csv)}`} download={`${csvName}.csv`}>
        {t("csv.download", { what: title })}
      </a>
    </figure>
  );
}
