// One action of a form sent once: a double click or a retry of the same submission
// reuses its Idempotency-Key, so the service acts once; a success starts a new key for
// the next, different submission. The problem+json of a failure is kept for the form.
import { useRef, useState } from "react";
import { newIdempotencyKey } from "../api/client";
import { toProblem, type Problem } from "../api/problem";

export type Submit = {
  busy: boolean;
  problem: Problem | null;
  /** Runs `send` with the key unless a submission is in flight; true when it succeeded. */
  run: (send: (key: string) => Promise<{ error?: unknown; response: Response }>) => Promise<boolean>;
};

export function useSubmit(): Submit {
  const key = useRef(newIdempotencyKey());
  const inFlight = useRef(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function run(send: (key: string) => Promise<{ error?: unknown; response: Response }>) {
    // A ref, not the state: two clicks in one frame both see `busy` still false.
    if (inFlight.current) return false;
    inFlight.current = true;
    setBusy(true);
    setProblem(null);
    try {
      const done = await send(key.current);
      if (done.response.ok) {
        key.current = newIdempotencyKey();
        return true;
      }
      setProblem(toProblem(done.error, done.response.status));
      return false;
    } catch (e) {
      setProblem(toProblem(e));
      return false;
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }
  return { busy, problem, run };
}
