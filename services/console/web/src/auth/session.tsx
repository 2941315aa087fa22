// Who is signed in (from the console's `/auth/me`), shared through context, and
// sign-out. Tokens never reach the browser: only the CSRF token does.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { csrfToken, setCsrfToken } from "../api/client";
import { clearCarts } from "../cartStorage";

export type Role = "dealer" | "warehouse" | "quality" | "quality_lead" | "finance" | "admin";

export interface Me {
  sub: string;
  role: Role;
  dealer_code?: string;
  name: string;
  csrf_token: string;
  expires_at: string;
}

export type SessionState =
  | { kind: "loading" }
  | { kind: "signed-out" }
  | { kind: "error"; status: number }
  | { kind: "signed-in"; me: Me };

const SessionContext = createContext<SessionState>({ kind: "loading" });

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ kind: "loading" });
  useEffect(() => {
    let live = true;
    fetch("/auth/me", { headers: { Accept: "application/json" } })
      .then(async (response) => {
        if (!live) return;
        if (response.status === 401) return setState({ kind: "signed-out" });
        if (!response.ok) return setState({ kind: "error", status: response.status });
        const me = (await response.json()) as Me;
        setCsrfToken(me.csrf_token);
        setState({ kind: "signed-in", me });
      })
      .catch(() => live && setState({ kind: "error", status: 0 }));
    return () => {
      live = false;
    };
  }, []);
  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}

/** The signed-in person; only inside pages that require a session. */
export function useMe(): Me {
  const state = useSession();
  if (state.kind !== "signed-in") throw new Error("useMe outside a signed-in page");
  return state.me;
}

/** Posts a form to `/auth/logout`: the browser follows the console's redirect to the
 *  provider's sign-out, so no script of the page handles the ID token it carries. */
export function signOut(): void {
  const token = csrfToken();
  setCsrfToken(null);
  clearCarts();
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/auth/logout";
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "csrf_token";
  field.value = token ?? "";
  form.append(field);
  document.body.append(form);
  form.submit();
}
