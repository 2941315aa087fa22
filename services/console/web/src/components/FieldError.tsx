// The problem+json message for one field, beside it; the input names it with
import type { InputHTMLAttributes } from "react";
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

/** A labelled text input with the problem+json message for its request `field` beside it. */
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
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(e) => onChange(e.target.value)} {...input} {...invalidProps(problem, field, id)} />
      <FieldError problem={problem} field={field} id={id} />
    </>
  );
}
