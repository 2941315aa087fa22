// Typed clients for the four services (types generated from their OpenAPI documents
// into ./schema/, checked against the services by tests/e2e/console_client.rs).
// Every call goes to the console (`/api/<service>/v1/…`), which adds the token; this
// module adds the CSRF token to writes and turns a 401 into a new sign-in.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths as CatalogPaths } from "./schema/catalog";
import type { paths as InspectionPaths } from "./schema/inspection";
import type { paths as OrdersPaths } from "./schema/orders";
import type { paths as RecoveryPaths } from "./schema/recovery";

let currentCsrfToken: string | null = null;

/** Set from `/auth/me` once signed in. */
export function setCsrfToken(token: string | null): void {
  currentCsrfToken = token;
}

export function csrfToken(): string | null {
  return currentCsrfToken;
}

export function csrfHeaders(): Record<string, string> {
  return currentCsrfToken ? { "X-CSRF-Token": currentCsrfToken } : {};
}

/** To the console's sign-in, coming back to where the person was. */
export function signIn(returnTo = window.location.pathname + window.location.search): void {
  window.location.assign(`/auth/login?return_to=${encodeURIComponent(returnTo)}`);
}

const REAUTH_KEY = "aftersales.console.reauth-at";

/** Set by the first 401 of this page: the calls in flight beside it get 401 too, and
 *  must not read the marker that first one just wrote as a refused fresh session. */
let redirecting = false;

/** After a 401: sign in again, unless that was just tried (a service that refuses
 *  every fresh session would otherwise bounce the browser through sign-in forever). */
export function reauthenticate(): void {
  if (redirecting) return;
  redirecting = true;
  const last = Number(sessionStorage.getItem(REAUTH_KEY) ?? 0);
  if (Date.now() - last < 15_000) {
    window.location.assign("/signed-out?error=refused_by_service");
    return;
  }
  sessionStorage.setItem(REAUTH_KEY, String(Date.now()));
  signIn();
}

function through(service: string): Middleware {
  return {
    async onRequest({ request }) {
      const url = new URL(request.url);
      url.pathname = url.pathname.replace(/^\/api\/v1\//, `/api/${service}/v1/`);
      const headers = new Headers(request.headers);
      const write = !["GET", "HEAD"].includes(request.method);
      if (write) {
        for (const [k, v] of Object.entries(csrfHeaders())) headers.set(k, v);
      }
      // The body is read, not streamed on: a streamed upload needs HTTP/2.
      const body = write ? await request.arrayBuffer() : undefined;
      return new Request(url, { method: request.method, headers, body });
    },
    onResponse({ response }) {
      // The session ended (expired or signed out elsewhere): sign in again.
      if (response.status === 401) reauthenticate();
      return response;
    },
  };
}

function clientFor<P extends object>(service: string) {
  const client = createClient<P>({ baseUrl: window.location.origin });
  client.use(through(service));
  return client;
}

export const catalog = clientFor<CatalogPaths>("catalog");
export const orders = clientFor<OrdersPaths>("orders");
export const inspection = clientFor<InspectionPaths>("inspection");
export const recovery = clientFor<RecoveryPaths>("recovery");

/** A fresh key per submission: a double click or a retry of the same submission
 *  reuses it, so the service places one order. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
