// The message a problem+json gives for one form field, shown beside that field and
// tied to its input through `id` (aria-describedby); the rest of the problem for the form.
import { fieldMessage, otherMessages, type Problem } from "../api/problem";
import { ErrorState } from "./States";

export function FieldError({ id, problem, field }: { id: string; problem: Problem | null; field: string }) {
  const message = fieldMessage(problem, field);
  if (!message) return null;
  return (
    <span id={id} className="field-error">
      {message}
    </span>
  );
}

/** The problem of a form, without the field messages already shown beside their fields. */
export function FormProblem({ problem, shown }: { problem: Problem | null; shown: string[] }) {
  if (!problem) return null;
  const rest = otherMessages(problem, shown);
  const named = (problem.errors ?? []).length > rest.length;
  if (named && rest.length === 0) return null;
  return (
    <>
      <ErrorState problem={problem} />
      {rest.length > 0 && (
        <ul className="field-error">
          {rest.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </>
  );
}


/** The attributes that tie an input to its FieldError, while it shows one. */
export function invalidProps(id: string, problem: Problem | null, field: string) {
  return fieldMessage(problem, field) ? { "aria-invalid": true, "aria-describedby": id } : {};
}
