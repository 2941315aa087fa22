// A form field's messages (from a problem+json document, or a check the form ran
// itself), shown beside the field and tied to its input (aria-describedby); labelled
// inputs built on them; and the rest of a problem for the form as a whole.
import type { InputHTMLAttributes, ReactNode } from "react";
import { fieldMessage, otherMessages, type Problem } from "../api/problem";
import { ErrorState } from "./States";

/** The messages for one field or group of fields, announced when they appear. */
export function FieldMessages({ id, messages }: { id?: string; messages: string[] }): ReactNode {
  if (messages.length === 0) return null;
  return (
    <span id={id} className="field-error" role="alert">
      {messages.join(" ")}
    </span>
  );
}

/** The message `problem` gives for `field`, with the id its input refers to. */
export function FieldError({ id, problem, field }: { id: string; problem: Problem | null; field: string }) {
  const message = fieldMessage(problem, field);
  return <FieldMessages id={id} messages={message ? [message] : []} />;
}

/** The attributes that tie an input to its FieldError, while it shows one. */
export function invalidProps(id: string, problem: Problem | null, field: string) {
  return fieldMessage(problem, field) ? { "aria-invalid": true as const, "aria-describedby": id } : {};
}

/** A labelled input (or `children`, e.g. a select) with its message beside it. */
export function Field({
  label,
  name,
  problem,
  children,
  ...input
}: { label: string; name: string; problem: Problem | null; children?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const errorId = `${name}-error`;
  return (
    <label className="field">
      <span>{label}</span>
      {children ?? <input name={name} {...invalidProps(errorId, problem, name)} {...input} />}
      <FieldError id={errorId} problem={problem} field={name} />
    </label>
  );
}

/** A labelled text input whose request field may differ from its id (`field`), for
 *  forms that lay out label and input themselves. */
export function TextField({
  id,
  label,
  field,
  problem,
  value,
  onChange,
  ...input
}: {
  id: string;
  label: string;
  field: string;
  problem: Problem | null;
  value: string;
  onChange: (value: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange">) {
  const errorId = `${id}-error`;
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(e) => onChange(e.target.value)} {...input} {...invalidProps(errorId, problem, field)} />
      <FieldError problem={problem} field={field} id={errorId} />
    </>
  );
}

/** A labelled input with every message about it beside it (several checks may name
 *  one field: the service's problem and the form's own preview, say). The message
 *  sits outside the label: it describes the input, it is not its name. */
export function FieldWithMessages({
  id,
  label,
  messages = [],
  ...input
}: { id: string; label: string; messages?: string[] } & InputHTMLAttributes<HTMLInputElement>) {
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        <input
          id={id}
          aria-invalid={messages.length > 0 ? true : undefined}
          aria-describedby={messages.length > 0 ? errorId : undefined}
          {...input}
        />
      </label>
      <FieldMessages id={errorId} messages={messages} />
    </div>
  );
}

/** The part of a problem no field shows: the whole-form message, and messages for
 *  fields the form does not have. */
export function FormProblem({ problem, shown }: { problem: Problem | null; shown: string[] }) {
  if (!problem) return null;
  if (!problem.errors?.length) return <ErrorState problem={problem} />;
  const others = otherMessages(problem, shown);
  if (others.length === 0) return null;
  return (
    <div className="state state-error" role="alert">
      {others.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}
