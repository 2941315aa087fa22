// One form's submission: busy while in flight (a second click does nothing), the
// problem it answered, and its Idempotency-Key (`useSubmissionKey`: the same while
// the request is the same, so a retry is safe; a new one once it changes or succeeded).
import { useRef, useState } from "react";
import { toProblem, type Problem } from "../api/problem";
import { useSubmissionKey } from "./useSubmissionKey";

type Answer<T> = { data?: T; error?: unknown; response: Response };

export type Action = ReturnType<typeof useAction>;

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const key = useSubmissionKey();
  const inFlight = useRef(false);

  /** Sends `request` (the body, or what names the action) through `call`. */
  async function run<T>(request: unknown, call: (idempotencyKey: string) => Promise<Answer<T>>): Promise<T | undefined> {
    if (inFlight.current) return undefined;
    inFlight.current = true;
    setBusy(true);
    setProblem(null);
    try {
      const answer = await call(key.keyFor(request));
      if (answer.response.ok && answer.data !== undefined) {
        key.done();
        return answer.data;
      }
      setProblem(toProblem(answer.error, answer.response.status));
      return undefined;
    } catch (e) {
      setProblem(toProblem(e));
      return undefined;
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  return { busy, problem, run, clear: () => setProblem(null) };
}
