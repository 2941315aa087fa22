// Development OpenID provider for the local aftersales stack. NEVER for production.
//
// It runs the certified `oidc-provider` library with what a developer needs and nothing
// more: demo users with a known password, a username + password sign-in page, the
// console as a confidential client (authorization code + PKCE), JWT access tokens for
// the services' audience carrying `role` and `dealer_code`, and one client-credentials
// client per demo user so scripts get a real token without a browser.
//
// Configuration (environment; every variable has a local default):
//   OIDC_ISSUER                 issuer URL; its port is the listening port (http://127.0.0.1:8090)
//   OIDC_AUDIENCE               the services' audience, the `aud` of access tokens (urn:aftersales:api)
//   OIDC_STATE_DIR              where the signing keys and cookie keys live (<repo>/.local/oidc)
//   OIDC_DEV_PASSWORD           the password of every demo user (aftersales-dev)
//   OIDC_CONSOLE_SECRET         the console client's secret (console-dev-secret)
//   OIDC_CONSOLE_REDIRECT_URIS  comma-separated (http://127.0.0.1:8080/auth/callback)
//   OIDC_CONSOLE_LOGOUT_URIS    comma-separated post-logout redirect URIs (http://127.0.0.1:8080/)
//   OIDC_CLI_SECRET             the secret of every `cli-<user>` client (cli-dev-secret)
//   OIDC_ACCESS_TOKEN_TTL       seconds (3600)
//
// `node provider.mjs --print-users` prints the demo users as JSON and exits (xtask uses it).

import { generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const env = (name, fallback) => {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
};
const list = (name, fallback) => env(name, fallback).split(',').map((s) => s.trim()).filter(Boolean);

const ISSUER = env('OIDC_ISSUER', 'http://127.0.0.1:8090');
const AUDIENCE = env('OIDC_AUDIENCE', 'urn:aftersales:api');
const STATE_DIR = resolve(env('OIDC_STATE_DIR', join(here, '..', '..', '.local', 'oidc')));
const PASSWORD = env('OIDC_DEV_PASSWORD', 'aftersales-dev');
const CONSOLE_SECRET = env('OIDC_CONSOLE_SECRET', 'console-dev-secret');
const CONSOLE_REDIRECTS = list('OIDC_CONSOLE_REDIRECT_URIS', 'http://127.0.0.1:8080/auth/callback');
const CONSOLE_LOGOUTS = list('OIDC_CONSOLE_LOGOUT_URIS', 'http://127.0.0.1:8080/');
const CLI_SECRET = env('OIDC_CLI_SECRET', 'cli-dev-secret');
const ACCESS_TOKEN_TTL = Number.parseInt(env('OIDC_ACCESS_TOKEN_TTL', '3600'), 10);

// One demo user per role; dealers for D001-D003. The account id is the `sub`.
const USERS = [
  { username: 'dealer-d001', name: 'Dealer D001', role: 'dealer', dealer_code: 'D001' },
  { username: 'dealer-d002', name: 'Dealer D002', role: 'dealer', dealer_code: 'D002' },
  { username: 'dealer-d003', name: 'Dealer D003', role: 'dealer', dealer_code: 'D003' },
  { username: 'warehouse', name: 'Warehouse Clerk', role: 'warehouse' },
  { username: 'quality', name: 'Quality Engineer', role: 'quality' },
  { username: 'quality-lead', name: 'Quality Lead', role: 'quality_lead' },
  { username: 'finance', name: 'Finance Analyst', role: 'finance' },
  { username: 'admin', name: 'Administrator', role: 'admin' },
];
const byUsername = new Map(USERS.map((u) => [u.username, u]));
// A `cli-<username>` client gets tokens that speak for that demo user (client credentials).
const cliClientId = (u) => `cli-${u.username}`;
const byCliClient = new Map(USERS.map((u) => [cliClientId(u), u]));

if (process.argv.includes('--print-users')) {
  process.stdout.write(`${JSON.stringify({
    issuer: ISSUER,
    audience: AUDIENCE,
    password: PASSWORD,
    cli_secret: CLI_SECRET,
    users: USERS.map((u) => ({ ...u, cli_client_id: cliClientId(u) })),
  }, null, 2)}\n`);
  process.exit(0);
}

// Keys are made once and kept, so tokens and sessions survive a restart of the provider;
// they live under .local/ (git-ignored) and are never committed.
function loadOrCreate(file, create) {
  const path = join(STATE_DIR, file);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8'));
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  const value = create();
  writeFileSync(path, JSON.stringify(value, null, 2), { mode: 0o600 });
  return value;
}
const jwks = loadOrCreate('jwks.json', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
});
const cookieKeys = loadOrCreate('cookie-keys.json', () => [randomBytes(32).toString('base64url')]);

function claimsOf(user) {
  const claims = { role: user.role };
  if (user.dealer_code) claims.dealer_code = user.dealer_code;
  return claims;
}

const { default: Provider, errors } = await import('oidc-provider');

const RESOURCE_SCOPE = 'aftersales';
const configuration = {
  clients: [
    {
      client_id: 'console',
      client_secret: CONSOLE_SECRET,
      client_name: 'Aftersales console',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: CONSOLE_REDIRECTS,
      post_logout_redirect_uris: CONSOLE_LOGOUTS,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    ...USERS.map((u) => ({
      client_id: cliClientId(u),
      client_secret: CLI_SECRET,
      client_name: `Development token for ${u.username}`,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
  ],
  // Both the code flow's and client credentials' tokens must name the user's role.
  async findAccount(_ctx, sub) {
    const user = byUsername.get(sub);
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, name: user.name, preferred_username: user.username, ...claimsOf(user) };
      },
    };
  },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    [RESOURCE_SCOPE]: ['role', 'dealer_code'],
  },
  scopes: ['openid', 'offline_access', 'profile', RESOURCE_SCOPE],
  // The console is first-party: scope claims go into its ID token too, so it needs no
  // userinfo round trip to know the role.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  jwks,
  cookies: { keys: cookieKeys },
  features: {
    // Our own sign-in page below checks passwords; the library's dev pages accept anyone.
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    clientCredentials: { enabled: true },
    // Resource indicators (RFC 8707) are how oidc-provider issues JWT access tokens with
    // an audience: every token is for the services' audience unless a client asks otherwise.
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => AUDIENCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== AUDIENCE) throw new errors.InvalidTarget();
        return {
          scope: RESOURCE_SCOPE,
          audience: AUDIENCE,
          accessTokenTTL: ACCESS_TOKEN_TTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  async extraTokenClaims(_ctx, token) {
    if (token.kind === 'ClientCredentials') {
      const user = byCliClient.get(token.clientId);
      return user ? { ...claimsOf(user), preferred_username: user.username } : undefined;
    }
    const user = token.accountId ? byUsername.get(token.accountId) : undefined;
    return user ? claimsOf(user) : undefined;
  },
  // No consent screen for our own clients: the grant covers what the console asks for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(`openid offline_access profile ${RESOURCE_SCOPE}`);
    grant.addResourceScope(AUDIENCE, RESOURCE_SCOPE);
    await grant.save();
    return grant;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: ACCESS_TOKEN_TTL,
    ClientCredentials: ACCESS_TOKEN_TTL,
    IdToken: ACCESS_TOKEN_TTL,
    Session: 8 * 3600,
    Grant: 8 * 3600,
    Interaction: 600,
    AuthorizationCode: 60,
    RefreshToken: 8 * 3600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<h1>Sign-in error</h1>
<p>${escape(out.error)}: ${escape(out.error_description ?? '')}</p>`);
  },
};

const provider = new Provider(ISSUER, configuration);

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00}.note{color:#555;font-size:.9rem}</style>
</head><body><main>${body}</main></body></html>`;
}

function loginPage(uid, { username = '', error } = {}) {
  return page('Sign in · aftersales (development)', `<h1>Sign in</h1>
<p class="note">Development identity provider. Demo users: ${USERS.map((u) => escape(u.username)).join(', ')}.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" required autofocus value="${escape(username)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${escape(uid)}/abort">Cancel</a></p>`);
}

function readForm(req, limit = 16 * 1024) {
  return new Promise((resolveBody, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > limit) reject(new Error('form too large'));
    });
    req.on('end', () => resolveBody(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function passwordMatches(given) {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(PASSWORD);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
  });
  res.end(html);
}

// The interaction routes (sign-in page); everything else is the provider itself.
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Sign-in error', '<p>Stale sign-in link.</p>'));
  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'the user cancelled sign-in',
    }, { mergeWithLastSubmission: false });
  }
  if (details.prompt.name !== 'login') {
    // loadExistingGrant grants our first-party clients, so no other prompt is expected.
    return send(res, 501, page('Sign-in error', `<p>Unsupported prompt ${escape(details.prompt.name)}.</p>`));
  }
  if (req.method === 'GET' && !action) return send(res, 200, loginPage(uid));
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const username = (form.get('username') ?? '').trim();
    if (!byUsername.has(username) || !passwordMatches(form.get('password'))) {
      return send(res, 401, loginPage(uid, { username, error: 'Unknown username or wrong password.' }));
    }
    return provider.interactionFinished(req, res, { login: { accountId: username } }, {
      mergeWithLastSubmission: false,
    });
  }
  return send(res, 405, page('Sign-in error', '<p>Method not allowed.</p>'));
}

const callback = provider.callback();
const server = createServer(async (req, res) => {
  const url = new URL(req.url, ISSUER);
  const match = url.pathname.match(/^\/interaction\/([\w-]+)(?:\/(login|abort))?$/);
  if (!match) return callback(req, res);
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (err) {
    const status = err instanceof errors.SessionNotFound ? 400 : 500;
    send(res, status, page('Sign-in error', `<p>${escape(err.message)}</p><p>Start the sign-in again from the application.</p>`));
  }
});

const { hostname, port } = new URL(ISSUER);
server.listen(Number(port || 80), hostname.replace(/^\[|\]$/g, ''), () => {
  console.log(`development OpenID provider at ${ISSUER} (audience ${AUDIENCE}, keys in ${STATE_DIR})`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
