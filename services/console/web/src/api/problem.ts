// application/problem+json (RFC 9457) as the services write it, and what the UI
// needs from it: the message for the whole form and the message beside each field.

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldProblem[];
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && typeof (value as Problem).status === "number";
}

/** A problem from anything a request can fail with (a network error has status 0). */
export function toProblem(error: unknown, status = 0): Problem {
  if (isProblem(error)) return error;
  return { status, detail: error instanceof Error ? error.message : undefined };
}

/** The message the problem gives for `field` (`lines[0].qty`), if any. */
export function fieldMessage(problem: Problem | null | undefined, field: string): string | undefined {
  return problem?.errors?.find((e) => e.field === field)?.message;
}

/** Problems not tied to one of the `shown` fields go to the form's own message. */
export function otherMessages(problem: Problem | null | undefined, shown: string[]): string[] {
  return (problem?.errors ?? []).filter((e) => !shown.includes(e.field)).map((e) => `${e.field}: ${e.message}`);
}
