// A labelled input with the message the service gave for its field beside it, and
// the rest of a problem for the form as a whole.
import type { InputHTMLAttributes, ReactNode } from "react";
import { fieldMessage, otherMessages, type Problem } from "../api/problem";
import { ErrorState } from "./States";

export function Field({
  label,
  name,
  problem,
  children,
  ...input
}: { label: string; name: string; problem: Problem | null; children?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const error = fieldMessage(problem, name);
  const errorId = `${name}-error`;
  return (
    <label className="field">
      <span>{label}</span>
      {children ?? (
        <input name={name} aria-invalid={error ? true : undefined} aria-describedby={error ? errorId : undefined} {...input} />
      )}
      {error && (
        <span id={errorId} className="field-error">
          {error}
        </span>
      )}
    </label>
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
