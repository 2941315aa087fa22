// Tier discounts (admin): each dealer tier's discount in force and the next one
// scheduled, a tier's history (newest first), and scheduling a discount from a moment
// (now when left empty, never in the past). An order is priced with its dealer's
// tier's discount in force when it is placed, and keeps it.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { orders } from "../../api/client";
import { fieldMessage, type Problem } from "../../api/problem";
import type { components } from "../../api/schema/orders";
import { FieldWithMessages, FormProblem } from "../../components/Field";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useAction } from "../../components/useAction";
import { useLoad } from "../../components/useLoad";
import { formatDateTime } from "../../i18n/format";
import { effectiveFrom } from "./tiers";

type Tier = components["schemas"]["Tier"];
type TierDiscount = components["schemas"]["TierDiscountView"];

const TIERS: Tier[] = ["standard", "silver", "gold", "platinum"];
const FIELDS = ["discount_pct", "effective_from"];
// The discounts the code used to fix are in force since the epoch.
const EPOCH = "1970-01-01T00:00:00Z";

function messages(problem: Problem | null, field: string): string[] {
  const m = fieldMessage(problem, field);
  return m ? [m] : [];
}

function Since({ at }: { at: string }) {
  const { t } = useTranslation();
  return <>{at === EPOCH ? t("admin.tierDiscounts.always") : formatDateTime(at)}</>;
}

function Schedule({ onScheduled }: { onScheduled: (d: TierDiscount) => void }) {
  const { t } = useTranslation();
  const [tier, setTier] = useState<Tier>("standard");
  const [pct, setPct] = useState("");
  const [from, setFrom] = useState("");
  const action = useAction();
  async function send(event: FormEvent) {
    event.preventDefault();
    const body = { discount_pct: pct.trim(), effective_from: effectiveFrom(from) };
    const done = await action.run({ tier, ...body }, (key) =>
      orders.POST("/api/v1/tiers/{tier}/discounts", {
        params: { path: { tier }, header: { "Idempotency-Key": key } },
        body,
      }),
    );
    if (done) {
      setPct("");
      setFrom("");
      onScheduled(done);
    }
  }
  return (
    <form className="card-form" onSubmit={(e) => void send(e)} noValidate aria-labelledby="tier-schedule-title">
      <h2 id="tier-schedule-title">{t("admin.tierDiscounts.schedule")}</h2>
      <div className="field">
        <label htmlFor="tier-schedule-tier">
          {t("admin.tier")}
          <select id="tier-schedule-tier" value={tier} onChange={(e) => setTier(e.target.value as Tier)}>
            {TIERS.map((x) => (
              <option key={x} value={x}>
                {t(`admin.tiers.${x}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FieldWithMessages
        id="tier-schedule-pct"
        label={t("admin.tierDiscounts.discount")}
        inputMode="decimal"
        placeholder="12.50"
        value={pct}
        required
        onChange={(e) => setPct(e.target.value)}
        messages={messages(action.problem, "discount_pct")}
      />
      <FieldWithMessages
        id="tier-schedule-from"
        label={t("admin.tierDiscounts.effectiveFrom")}
        type="datetime-local"
        value={from}
        onChange={(e) => setFrom(e.target.value)}
        messages={messages(action.problem, "effective_from")}
      />
      <p className="hint">{t("admin.tierDiscounts.effectiveFromHint")}</p>
      <button type="submit" className="primary" disabled={action.busy} aria-busy={action.busy}>
        {t("admin.tierDiscounts.save")}
      </button>
      <FormProblem problem={action.problem} shown={FIELDS} />
    </form>
  );
}

function History({ tier, round }: { tier: Tier; round: number }) {
  const { t } = useTranslation();
  const [history, reload] = useLoad(() => orders.GET("/api/v1/tiers/{tier}/discounts", { params: { path: { tier } } }), [tier, round]);
  const name = t(`admin.tiers.${tier}`);
  return (
    <>
      <h2 id="tier-history-title">{t("admin.tierDiscounts.historyOf", { tier: name })}</h2>
      {history.kind === "loading" && <Loading />}
      {history.kind === "error" && <ErrorState problem={history.problem} onRetry={reload} />}
      {history.kind === "done" &&
        (history.data.length === 0 ? (
          <Empty message={t("admin.none")} />
        ) : (
          <table aria-labelledby="tier-history-title">
            <thead>
              <tr>
                <th scope="col">{t("admin.tierDiscounts.from")}</th>
                <th scope="col" className="num">{t("admin.tierDiscounts.discount")}</th>
                <th scope="col">{t("admin.tierDiscounts.by")}</th>
                <th scope="col">{t("admin.tierDiscounts.recorded")}</th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((d) => (
                <tr key={d.effective_from}>
                  <th scope="row">
                    <Since at={d.effective_from} />
                  </th>
                  <td className="num">{d.discount_pct} %</td>
                  <td>{d.created_by}</td>
                  <td>{formatDateTime(d.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </>
  );
}

export function TierDiscountsPage() {
  const { t } = useTranslation();
  const [tiers, reload] = useLoad(() => orders.GET("/api/v1/tiers"), []);
  const [shown, setShown] = useState<Tier>("standard");
  const [round, setRound] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <section aria-labelledby="tiers-title">
      <h1 id="tiers-title">{t("admin.tierDiscounts.title")}</h1>
      <p>{t("admin.tierDiscounts.intro")}</p>
      <h2 id="tiers-now-title">{t("admin.tierDiscounts.inForce")}</h2>
      {tiers.kind === "loading" && <Loading />}
      {tiers.kind === "error" && <ErrorState problem={tiers.problem} onRetry={reload} />}
      {tiers.kind === "done" && (
        <table aria-labelledby="tiers-now-title">
          <thead>
            <tr>
              <th scope="col">{t("admin.tier")}</th>
              <th scope="col" className="num">{t("admin.tierDiscounts.now")}</th>
              <th scope="col">{t("admin.tierDiscounts.since")}</th>
              <th scope="col">{t("admin.tierDiscounts.next")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("admin.tierDiscounts.history")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tiers.data.map((x) => {
              const name = t(`admin.tiers.${x.tier}`);
              return (
                <tr key={x.tier}>
                  <th scope="row">{name}</th>
                  <td className="num">{x.discount_pct} %</td>
                  <td>
                    <Since at={x.effective_from} />
                  </td>
                  <td>
                    {x.next_discount
                      ? t("admin.tierDiscounts.nextAt", { pct: x.next_discount.discount_pct, at: formatDateTime(x.next_discount.effective_from) })
                      : t("admin.tierDiscounts.noneScheduled")}
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-pressed={shown === x.tier}
                      aria-label={t("admin.tierDiscounts.historyFor", { tier: name })}
                      onClick={() => setShown(x.tier)}
                    >
                      {t("admin.tierDiscounts.history")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Schedule
        onScheduled={(d) => {
          setNotice(
            t("admin.tierDiscounts.scheduled", {
              tier: t(`admin.tiers.${d.tier}`),
              pct: d.discount_pct,
              at: formatDateTime(d.effective_from),
            }),
          );
          reload();
          setShown(d.tier);
          setRound((r) => r + 1);
        }}
      />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <History tier={shown} round={round} />
    </section>
  );
}
