// Inspectors' own approval limits (quality lead, admin): the list by inspector, setting
// one (it applies to their next decision) and removing one (the default applies again).
// An inspector is named by their user id (`sub`), as the service keys them.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { inspection } from "../../api/client";
import { fieldMessage, type Problem } from "../../api/problem";
import type { components } from "../../api/schema/inspection";
import { FieldWithMessages, FormProblem } from "../../components/Field";
import { PagedList } from "../../components/Paged";
import { useAction } from "../../components/useAction";
import { usePaged } from "../../components/usePaged";
import { useLoad } from "../../components/useLoad";
import { formatDateTime, formatNumber } from "../../i18n/format";

type Entry = components["schemas"]["ApprovalLimitEntry"];

const FIELDS = ["subject", "approval_limit"];

function messages(problem: Problem | null, field: string): string[] {
  const m = fieldMessage(problem, field);
  return m ? [m] : [];
}

function SetLimit({ onSet }: { onSet: (e: Entry) => void }) {
  const { t } = useTranslation();
  const [subject, setSubject] = useState("");
  const [limit, setLimit] = useState("");
  const action = useAction();
  // A subject the service refuses is a 400 without a field: it is the subject's.
  const problem: Problem | null =
    action.problem?.status === 400 ? { ...action.problem, errors: [{ field: "subject", message: action.problem.detail ?? "" }] } : action.problem;
  async function send(event: FormEvent) {
    event.preventDefault();
    const who = subject.trim();
    const body = { approval_limit: limit.trim() };
    const set = await action.run({ who, ...body }, () =>
      inspection.PUT("/api/v1/approval-limits/{subject}", { params: { path: { subject: who } }, body }),
    );
    if (set) {
      setSubject("");
      setLimit("");
      onSet(set);
    }
  }
  return (
    <form className="card-form" onSubmit={(e) => void send(e)} noValidate aria-labelledby="limit-set-title">
      <h2 id="limit-set-title">{t("quality.limits.set")}</h2>
      <FieldWithMessages id="limit-subject" label={t("quality.limits.subject")} value={subject} required onChange={(e) => setSubject(e.target.value)} messages={messages(problem, "subject")} />
      <p className="hint">{t("quality.limits.subjectHint")}</p>
      <FieldWithMessages
        id="limit-amount"
        label={t("quality.limits.limit")}
        inputMode="decimal"
        value={limit}
        required
        onChange={(e) => setLimit(e.target.value)}
        messages={messages(problem, "approval_limit")}
      />
      <button type="submit" className="primary" disabled={action.busy} aria-busy={action.busy}>
        {t("quality.limits.save")}
      </button>
      <FormProblem problem={problem} shown={FIELDS} />
    </form>
  );
}

function Remove({ entry, onRemoved }: { entry: Entry; onRemoved: (subject: string) => void }) {
  const { t } = useTranslation();
  const action = useAction();
  async function go() {
    const done = await action.run(entry.subject, async () => {
      const answer = await inspection.DELETE("/api/v1/approval-limits/{subject}", { params: { path: { subject: entry.subject } } });
      // 204: nothing to read, but done.
      return answer.response.ok ? { data: true, response: answer.response } : answer;
    });
    if (done) onRemoved(entry.subject);
  }
  return (
    <>
      <button type="button" className="danger" disabled={action.busy} onClick={() => void go()} aria-label={t("quality.limits.removeFor", { subject: entry.subject })}>
        {t("quality.limits.remove")}
      </button>
      <FormProblem problem={action.problem} shown={[]} />
    </>
  );
}

export function ApprovalLimitsPage() {
  const { t } = useTranslation();
  const [notice, setNotice] = useState<string | null>(null);
  const [own] = useLoad(() => inspection.GET("/api/v1/approval-limit"), []);
  const list = usePaged((cursor) => inspection.GET("/api/v1/approval-limits", { params: { query: { cursor, limit: 50 } } }), []);
  return (
    <section aria-labelledby="limits-title">
      <h1 id="limits-title">{t("quality.limits.title")}</h1>
      {own.kind === "done" && (
        // In each claim's currency; the demo network's is EUR.
        <p>{t("quality.limits.intro", { limit: formatNumber(Number(own.data.default_approval_limit)) })}</p>
      )}
      <SetLimit
        onSet={(e) => {
          setNotice(t("quality.limits.saved", { subject: e.subject, limit: formatNumber(Number(e.approval_limit)) }));
          list.reload();
        }}
      />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <h2 id="limits-list-title">{t("quality.limits.list")}</h2>
      <PagedList list={list} empty={t("quality.limits.empty")}>
        <table aria-labelledby="limits-list-title">
          <thead>
            <tr>
              <th scope="col">{t("quality.limits.subject")}</th>
              <th scope="col" className="num">{t("quality.limits.limit")}</th>
              <th scope="col">{t("quality.limits.setBy")}</th>
              <th scope="col">{t("quality.limits.updated")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("quality.limits.remove")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((e) => (
              <tr key={e.subject}>
                <th scope="row">{e.subject}</th>
                <td className="num">{formatNumber(Number(e.approval_limit))}</td>
                <td>{e.set_by}</td>
                <td>{formatDateTime(e.updated_at)}</td>
                <td>
                  <Remove
                    entry={e}
                    onRemoved={(subject) => {
                      setNotice(t("quality.limits.removed", { subject }));
                      list.reload();
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
