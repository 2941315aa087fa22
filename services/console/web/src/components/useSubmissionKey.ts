// The Idempotency-Key of the submission in hand: the same key while the body is the
// same (a double click, a retry after a lost answer), a new one once it changes.
import { useRef } from "react";
import { newIdempotencyKey } from "../api/client";

export function useSubmissionKey(): { keyFor: (body: unknown) => string; done: () => void } {
  const held = useRef<{ key: string; shape: string } | null>(null);
  return {
    keyFor(body) {
      const shape = JSON.stringify(body);
      if (held.current?.shape !== shape) held.current = { key: newIdempotencyKey(), shape };
      return held.current.key;
    },
    done() {
      held.current = null;
    },
  };
}
