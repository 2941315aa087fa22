// The problem+json message for one field, beside it; the input names it with
// aria-describedby={fieldErrorId(id)} so a screen reader reads it with the field.
import { fieldMessage, type Problem } from "../api/problem";

export function fieldErrorId(id: string): string {
  return `${id}-error`;
}

/** Props for the input of `field` (aria-invalid and aria-describedby when it has a problem). */
export function invalidProps(problem: Problem | null, field: string, id: string) {
  return fieldMessage(problem, field)
    ? { "aria-invalid": true as const, "aria-describedby": fieldErrorId(id) }
    : {};
}

export function FieldError({ problem, field, id }: { problem: Problem | null; field: string; id: string }) {
  const message = fieldMessage(problem, field);
  if (!message) return null;
  return (
    <span className="field-error" id={fieldErrorId(id)}>
      {message}
    </span>
  );
}
