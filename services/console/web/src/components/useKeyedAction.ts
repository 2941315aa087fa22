// A state-changing call made once per submission: one Idempotency-Key per submission
// (kept for a retry after a failure, new after a success) and a guard that drops the
// second click of a double click before React has re-rendered the disabled button.
import { useCallback, useRef, useState } from "react";
import { newIdempotencyKey } from "../api/client";
import { toProblem, type Problem } from "../api/problem";

export type KeyedAction = {
  /** Runs `call` with the submission's key; the data on success, else undefined (see `problem`). */
  run: <T>(call: (key: string) => Promise<{ data?: T; error?: unknown; response: Response }>) => Promise<T | undefined>;
  busy: boolean;
  problem: Problem | null;
  clear: () => void;
};

export function useKeyedAction(): KeyedAction {
  const key = useRef(newIdempotencyKey());
  const running = useRef(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const run = useCallback(async <T,>(call: (key: string) => Promise<{ data?: T; error?: unknown; response: Response }>) => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setProblem(null);
    try {
      const done = await call(key.current);
      if (done.response.ok) {
        key.current = newIdempotencyKey();
        return done.data;
      }
      setProblem(toProblem(done.error, done.response.status));
    } catch (e) {
      setProblem(toProblem(e));
    } finally {
      running.current = false;
      setBusy(false);
    }
    return undefined;
  }, []);
  const clear = useCallback(() => setProblem(null), []);
  return { run, busy, problem, clear };
}
