// A labelled form input of the claim screens with its message beside it: the
// service's problem+json message or a failing preview check for the same field.
import type { InputHTMLAttributes, ReactNode } from "react";

type FieldProps = {
  id: string;
  label: string;
  /** Messages for this field (several checks may name one field). */
  errors?: string[];
} & InputHTMLAttributes<HTMLInputElement>;

export function Field({ id, label, errors = [], ...input }: FieldProps) {
  const errorId = `${id}-error`;
  // The message sits outside the label: it describes the input, it is not its name.
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        <input
          id={id}
          aria-invalid={errors.length > 0 ? true : undefined}
          aria-describedby={errors.length > 0 ? errorId : undefined}
          {...input}
        />
      </label>
      <FieldMessages id={errorId} messages={errors} />
    </div>
  );
}

/** The messages for one field or group, announced when they appear. */
export function FieldMessages({ id, messages }: { id?: string; messages: string[] }): ReactNode {
  if (messages.length === 0) return null;
  return (
    <span id={id} className="field-error" role="alert">
      {messages.join(" ")}
    </span>
  );
}
