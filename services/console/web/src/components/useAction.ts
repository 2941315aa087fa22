// One form's submission: busy while in flight (a second click does nothing), the
// problem it answered, and one Idempotency-Key per submission, kept for retries of
// the same submission and renewed after a success.
import { useRef, useState } from "react";
import { newIdempotencyKey } from "../api/client";
import { toProblem, type Problem } from "../api/problem";

type Answer<T> = { data?: T; error?: unknown; response: Response };

export function useAction<T>() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const key = useRef(newIdempotencyKey());
  const inFlight = useRef(false);

  async function run(call: (idempotencyKey: string) => Promise<Answer<T>>): Promise<T | undefined> {
    if (inFlight.current) return undefined;
    inFlight.current = true;
    setBusy(true);
    setProblem(null);
    try {
      const answer = await call(key.current);
      if (answer.response.ok && answer.data !== undefined) {
        key.current = newIdempotencyKey();
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
