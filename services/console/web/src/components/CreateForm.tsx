// A create form described by its fields: each a labelled input (or a choice) with
// the service's message for it beside it; `submit` turns the values into the
// request (typed by the caller) and gets the Idempotency-Key of this submission;
// after a success it says what was created.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Field, FormProblem } from "./Field";
import { useAction } from "./useAction";

export type FieldSpec = {
  name: string;
  label: string;
  type?: "text" | "number" | "date" | "checkbox";
  options?: { value: string; label: string }[];
  required?: boolean;
  initial?: string;
  hint?: string;
};

export type Values = Record<string, string>;
type Answer<T> = { data?: T; error?: unknown; response: Response };

export function CreateForm<T>({
  title,
  fields,
  submit,
  created,
  onCreated,
  button,
}: {
  title: string;
  fields: FieldSpec[];
  submit: (values: Values, idempotencyKey: string) => Promise<Answer<T>>;
  /** How the notice names what was created (`BOSCH`). */
  created: (created: T) => string;
  onCreated: (created: T) => void;
  button?: string;
}) {
  const { t } = useTranslation();
  const action = useAction();
  const initial = () => Object.fromEntries(fields.map((f) => [f.name, f.initial ?? (f.options?.[0]?.value ?? "")]));
  const [values, setValues] = useState<Values>(initial);
  const [notice, setNotice] = useState<string | null>(null);
  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }));

  async function send(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    const done = await action.run(values, (key) => submit(values, key));
    if (done !== undefined) {
      setValues(initial());
      setNotice(t("admin.created", { what: created(done) }));
      onCreated(done);
    }
  }

  const id = `create-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <form onSubmit={(e) => void send(e)} className="card-form" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {fields.map((f) =>
        f.options ? (
          <Field key={f.name} label={f.label} name={f.name} problem={action.problem}>
            <select name={f.name} value={values[f.name]} onChange={(e) => set(f.name, e.target.value)}>
              {f.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </Field>
        ) : f.type === "checkbox" ? (
          <label key={f.name} className="check">
            <input type="checkbox" name={f.name} checked={values[f.name] === "true"} onChange={(e) => set(f.name, String(e.target.checked))} />
            {f.label}
          </label>
        ) : (
          <Field
            key={f.name}
            label={f.label}
            name={f.name}
            problem={action.problem}
            type={f.type ?? "text"}
            value={values[f.name]}
            onChange={(e) => set(f.name, e.target.value)}
            required={f.required ?? true}
            placeholder={f.hint}
          />
        ),
      )}
      <button type="submit" className="primary" disabled={action.busy}>
        {button ?? t("admin.create")}
      </button>
      <FormProblem problem={action.problem} shown={fields.map((f) => f.name)} />
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
    </form>
  );
}
