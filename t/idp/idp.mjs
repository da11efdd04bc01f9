#!/usr/bin/env node
// The local OpenID Connect provider of Nexus's tests and development: a
// standard OP (npm's oidc-provider) on loopback with one confidential
// client, a few dev users (users.json beside this file) and a plain login
// form a browser test can fill in. Nothing is kept: keys, cookie keys,
// sessions and grants are made in memory at start and gone at exit.
//
//   node t/idp/idp.mjs --port PORT --client-secret-file FILE --redirect-uri URI [options]
//
// Started by tools/idp (start/stop/run), which also installs oidc-provider.
// Each option may instead come from the environment variable in brackets:
//   --port N                        [IDP_PORT] required; 0 picks a free port
//   --host ADDR                     [IDP_HOST] 127.0.0.1 (the issuer is http://ADDR:PORT)
//   --client-id ID                  [IDP_CLIENT_ID] nexus
//   --client-secret-file FILE       [IDP_CLIENT_SECRET_FILE] required; its first line is the secret
//   --redirect-uri URI              [IDP_REDIRECT_URIS, space-separated] at least one; repeatable
//   --post-logout-redirect-uri URI  [IDP_POST_LOGOUT_REDIRECT_URIS, space-separated] repeatable
//   --id-token-alg RS256|ES256      [IDP_ID_TOKEN_ALG] RS256; both keys are always in the JWKS
//   --users FILE                    [IDP_USERS] users.json beside this file
//   --pid-file FILE                 [IDP_PID_FILE] written at start, removed at exit
//   --parent-pid PID                stop when process PID is gone (a test run that was killed)
//   --misbehave-file FILE           [IDP_MISBEHAVE_FILE] the misbehaviour switch (below); none: never
//   --verbose                       [IDP_VERBOSE=1] log every request (errors are always logged)
//
// The client: token_endpoint_auth_method client_secret_basic, grant
// authorization_code, response_type code, PKCE required (S256 only).
// Scopes openid profile email groups; the ID token itself carries the
// claims of the granted scopes (sub, name, preferred_username, picture,
// email, email_verified, groups), as the relying party reads the ID token.
// Consent is given automatically (a first-party client): after the login
// form the browser goes straight back to the redirect URI. picture is
// ISSUER/pictures/USERNAME.svg, served here, unless users.json gives one.
//
// users.json: { "USERNAME": { "sub", "password", "name", "email",
// "groups": [...], "picture" (optional), "email_verified" (optional,
// default true) }, ... }; dev passwords only.
//
// The login page (GET /interaction/UID): form#idp-login with
// input#idp-username (name=username), input#idp-password (name=password),
// button#idp-submit, and button#idp-cancel (the user declines: the relying
// party gets error=access_denied). A wrong user or password shows the form
// again with p#idp-error. The end-session page (end_session_endpoint) asks
// for confirmation: button#idp-logout-confirm signs out, #idp-logout-cancel
// stays signed in; the end is the post_logout_redirect_uri, or a page with
// #idp-logged-out when none was given.
//
// Misbehaviour on request, for tests of the relying party's refusals: at
// every token request the idp reads the misbehave file (tools/idp makes it
// DIR/misbehave and removes it at start). Absent or empty, all is normal;
// otherwise its one word says how the ID token in the token response is
// spoilt (the code, the grant and the access token stay genuine):
//   expired    iat two hours and exp one hour ago (beyond any clock leeway)
//   audience   aud (and azp, if any) another client
//   issuer     iss another issuer
//   nonce      another nonce than the authorization request's
//   signature  the claims intact, signed by a key not in the JWKS (same alg and kid)
//   unsigned   alg none, no signature
// The spoilt claims are re-signed with the idp's own key (jose, which
// oidc-provider uses too). Another word answers the token request with 500.
// The file is read anew at each request: a test flips it without a restart.
//
// Ready: prints "idp: listening on http://HOST:PORT" on stdout. SIGTERM or
// SIGINT: stops and exits 0.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import {
  SignJWT, UnsecuredJWT, decodeJwt, decodeProtectedHeader,
} from 'jose';
import Provider from 'oidc-provider';
// The stock in-memory store, by a subclass: the provider warns at every
// start when handed the class itself, and memory is what a test OP wants.
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function fail(message, code = 2) {
  process.stderr.write(`idp: ${message}\n`);
  process.exit(code);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret-file': { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        'post-logout-redirect-uri': { type: 'string', multiple: true },
        'id-token-alg': { type: 'string' },
        users: { type: 'string' },
        'pid-file': { type: 'string' },
        'parent-pid': { type: 'string' },
        'misbehave-file': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (e) {
    fail(`${e.message} (see the top of ${path.join(here, 'idp.mjs')})`);
  }
  if (parsed.help) {
    const src = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
    const header = src.slice(1, src.findIndex((l, i) => i > 0 && !l.startsWith('//')));
    process.stdout.write(`${header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n')}\n`);
    process.exit(0);
  }
  const env = process.env;
  const words = (s) => (s || '').split(/\s+/).filter(Boolean);
  const o = {
    port: parsed.port ?? env.IDP_PORT,
    host: parsed.host ?? env.IDP_HOST ?? '127.0.0.1',
    clientId: parsed['client-id'] ?? env.IDP_CLIENT_ID ?? 'nexus',
    secretFile: parsed['client-secret-file'] ?? env.IDP_CLIENT_SECRET_FILE,
    redirectUris: parsed['redirect-uri'] ?? words(env.IDP_REDIRECT_URIS),
    postLogoutRedirectUris: parsed['post-logout-redirect-uri'] ?? words(env.IDP_POST_LOGOUT_REDIRECT_URIS),
    idTokenAlg: parsed['id-token-alg'] ?? env.IDP_ID_TOKEN_ALG ?? 'RS256',
    users: parsed.users ?? env.IDP_USERS ?? path.join(here, 'users.json'),
    pidFile: parsed['pid-file'] ?? env.IDP_PID_FILE,
    parentPid: parsed['parent-pid'],
    misbehaveFile: parsed['misbehave-file'] ?? env.IDP_MISBEHAVE_FILE,
    verbose: parsed.verbose ?? env.IDP_VERBOSE === '1',
  };
  if (o.port === undefined || !/^\d+$/.test(o.port) || Number(o.port) > 65535) fail('--port N is required (0..65535)');
  o.port = Number(o.port);
  if (!o.secretFile) fail('--client-secret-file FILE is required');
  if (o.redirectUris.length === 0) fail('at least one --redirect-uri URI is required');
  if (!['RS256', 'ES256'].includes(o.idTokenAlg)) fail('--id-token-alg is RS256 or ES256');
  if (o.parentPid !== undefined && !/^[1-9]\d*$/.test(o.parentPid)) fail('--parent-pid is a process id');
  let secret;
  try {
    secret = fs.readFileSync(o.secretFile, 'utf8').split('\n')[0].trim();
  } catch (e) {
    fail(`cannot read the client secret: ${e.message}`);
  }
  if (secret.length < 16) fail(`the client secret in ${o.secretFile} is shorter than 16 characters`);
  o.clientSecret = secret;
  return o;
}

// users.json: { "<username>": { sub, password, name, email, groups[] } }
function loadUsers(file) {
  let raw;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`cannot read the users from ${file}: ${e.message}`);
  }
  const byName = new Map();
  const bySub = new Map();
  for (const [username, u] of Object.entries(raw)) {
    for (const k of ['sub', 'password', 'name', 'email']) {
      if (typeof u[k] !== 'string' || u[k] === '') fail(`${file}: user ${username} needs a "${k}" string`);
    }
    if (!Array.isArray(u.groups)) fail(`${file}: user ${username} needs a "groups" list`);
    if (u.email_verified !== undefined && typeof u.email_verified !== 'boolean')
      fail(`${file}: user ${username}: "email_verified" must be true or false`);
    if (bySub.has(u.sub)) fail(`${file}: two users have the sub ${u.sub}`);
    const user = { ...u, username };
    byName.set(username, user);
    bySub.set(u.sub, user);
  }
  return { byName, bySub };
}

function signingKey(type, keyOptions, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, keyOptions);
  const kid = `${alg.toLowerCase()}-${crypto.randomBytes(6).toString('hex')}`;
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid };
}

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Every page of ours: no script, no external resource (the browser has no
// network beyond loopback, and a test should not wait on one).
function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Nexus test IdP</title>
<style>
body { font-family: sans-serif; background: #eef1f5; margin: 0; padding: 40px 16px; color: #1d2330; }
main { max-width: 340px; margin: 0 auto; background: #fff; padding: 24px 28px; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 1.3em; margin: 0 0 4px; } p.sub { color: #5b6475; margin: 0 0 18px; font-size: .9em; }
label { display: block; font-size: .85em; margin: 12px 0 4px; color: #3a4252; }
input { width: 100%; box-sizing: border-box; padding: 8px; border: 1px solid #b9c0cc; border-radius: 4px; font-size: 1em; }
button { margin-top: 18px; width: 100%; padding: 9px; border: 0; border-radius: 4px; font-size: 1em; cursor: pointer; background: #2f6fdb; color: #fff; }
button.secondary { margin-top: 8px; background: #e3e7ee; color: #1d2330; }
#idp-error { background: #fde8e8; color: #9b1c1c; padding: 8px 10px; border-radius: 4px; font-size: .9em; }
footer { max-width: 340px; margin: 12px auto; font-size: .75em; color: #6b7385; text-align: center; }
</style>
</head>
<body>
<main>
${body}
</main>
<footer>Nexus test identity provider (development only)</footer>
</body>
</html>
`;
}

function send(res, status, html, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    // No form-action: Chromium applies it to the redirects after a submit,
    // and a sign-in ends with a redirect to the relying party.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'",
    'X-Frame-Options': 'DENY',
    ...headers,
  });
  res.end(html);
}

function readForm(req, limit = 16384) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('form too large'));
        req.destroy();
      } else {
        chunks.push(c);
      }
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function sameSecret(a, b) {
  const h = (s) => crypto.createHash('sha256').update(String(s)).digest();
  return crypto.timingSafeEqual(h(a), h(b));
}

function avatar(user) {
  const hue = parseInt(crypto.createHash('sha256').update(user.username).digest('hex').slice(0, 4), 16) % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">
<circle cx="48" cy="48" r="48" fill="hsl(${hue},55%,45%)"/>
<text x="48" y="62" font-family="sans-serif" font-size="44" fill="#fff" text-anchor="middle">${esc(user.username[0].toUpperCase())}</text>
</svg>
`;
}

// --- misbehaviour on request (the header's "Misbehaviour on request") --------

// How each word spoils the ID token's claims (now: seconds since the epoch).
const spoilers = {
  expired: (claims, now) => ({ ...claims, iat: now - 7200, exp: now - 3600 }),
  audience: (claims) => ({ ...claims, aud: 'another-client', ...(claims.azp ? { azp: 'another-client' } : {}) }),
  issuer: (claims) => ({ ...claims, iss: 'http://127.0.0.1:9/another-issuer' }),
  nonce: (claims) => ({ ...claims, nonce: crypto.randomBytes(32).toString('base64url') }),
  signature: (claims) => claims,
  unsigned: (claims) => claims,
};

// The misbehave file's word; undefined when there is no file or no word.
function misbehaviour(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split(/\s+/)[0] || undefined;
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

// Keys that are in no JWKS of ours, one per algorithm, made when first needed.
const strangers = new Map();
function strangerKey(alg) {
  if (!strangers.has(alg)) {
    const { privateKey } = alg === 'ES256'
      ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    strangers.set(alg, privateKey);
  }
  return strangers.get(alg);
}

// idToken spoilt as the word how says, re-signed with its own key from keys
// (the provider's private JWKs) unless how is signature or unsigned.
async function spoil(idToken, how, keys) {
  const header = decodeProtectedHeader(idToken);
  const claims = spoilers[how](decodeJwt(idToken), Math.floor(Date.now() / 1000));
  if (how === 'unsigned') return new UnsecuredJWT(claims).encode();
  if (how === 'signature') return new SignJWT(claims).setProtectedHeader(header).sign(strangerKey(header.alg));
  const own = keys.find((k) => k.kid === header.kid);
  if (!own) throw new Error(`the ID token's kid ${header.kid} is none of the provider's keys`);
  return new SignJWT(claims).setProtectedHeader(header).sign(crypto.createPrivateKey({ key: own, format: 'jwk' }));
}

// The provider middleware behind the switch: once the token endpoint has
// answered, the id_token of its JSON body is replaced by a spoilt one.
function misbehaving(file, keys) {
  return async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200 || typeof ctx.body?.id_token !== 'string') return;
    const how = misbehaviour(file);
    if (!how) return;
    if (!Object.hasOwn(spoilers, how)) {
      log(`misbehave: unknown word "${how}" in ${file}: the token request fails`);
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: `unknown misbehaviour "${how}" in ${file}` };
      return;
    }
    ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token, how, keys) };
    log(`misbehave: this token response's ID token is spoilt: ${how}`);
  };
}

const opts = options();
const users = loadUsers(opts.users);
const log = (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

if (opts.pidFile) fs.writeFileSync(opts.pidFile, `${process.pid}\n`);
function removePidFile() {
  if (!opts.pidFile) return;
  try {
    if (fs.readFileSync(opts.pidFile, 'utf8').trim() === String(process.pid)) fs.unlinkSync(opts.pidFile);
  } catch { /* already gone */ }
}

let provider;
let issuer;
let providerCallback;
let readyResolve;
const ready = new Promise((resolve) => { readyResolve = resolve; });

function loginForm(details, { error, username } = {}) {
  const { uid, params } = details;
  const hint = username ?? params.login_hint ?? '';
  return page('Sign in', `<h1>Sign in</h1>
<p class="sub">to <strong>${esc(params.client_id)}</strong></p>
${error ? `<p id="idp-error" role="alert">${esc(error)}</p>\n` : ''}<form id="idp-login" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="idp-username">Username</label>
<input id="idp-username" name="username" type="text" value="${esc(hint)}" required${hint ? '' : ' autofocus'}>
<label for="idp-password">Password</label>
<input id="idp-password" name="password" type="password" required${hint ? ' autofocus' : ''}>
<button id="idp-submit" type="submit">Sign in</button>
</form>
<form id="idp-abort" method="post" action="/interaction/${esc(uid)}/abort">
<button id="idp-cancel" class="secondary" type="submit">Cancel</button>
</form>`);
}

// The consent prompt, answered yes: grant what the client asked for.
async function autoConsent(req, res, details) {
  const { prompt: { details: missing }, grantId, session, params } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const id = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId: id } }, { mergeWithLastSubmission: true });
}

async function interaction(req, res, url) {
  const m = url.pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/);
  if (!m) return send(res, 404, page('Not found', '<h1>Not found</h1>'));
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return send(res, 400, page('Sign-in expired', `<h1 id="idp-expired">This sign-in has expired</h1>
<p class="sub">Go back to the application and sign in again.</p>`));
  }
  if (details.uid !== m[1]) return send(res, 400, page('Bad request', '<h1>Bad request</h1>'));
  const action = m[2];
  const { name } = details.prompt;

  if (req.method === 'GET' && !action) {
    if (name === 'login') return send(res, 200, loginForm(details));
    if (name === 'consent') return autoConsent(req, res, details);
    return send(res, 501, page('Not implemented', `<h1>Prompt ${esc(name)} is not implemented</h1>`));
  }
  if (req.method === 'POST' && action === 'login' && name === 'login') {
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const user = users.byName.get(username);
    // Compare even for an unknown user, so both failures take as long.
    const ok = sameSecret(form.get('password') ?? '', user?.password ?? crypto.randomUUID()) && user;
    if (!ok) {
      if (opts.verbose) log(`login failed for "${username}"`);
      return send(res, 200, loginForm(details, { error: 'Wrong username or password.', username }));
    }
    if (opts.verbose) log(`login: ${username} (sub ${user.sub})`);
    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'The user cancelled the sign-in',
    }, { mergeWithLastSubmission: false });
  }
  return send(res, 405, page('Method not allowed', '<h1>Method not allowed</h1>'), { Allow: action ? 'POST' : 'GET' });
}

async function handle(req, res) {
  await ready;
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/interaction/')) return interaction(req, res, url);
  const pic = url.pathname.match(/^\/pictures\/([A-Za-z0-9_.-]+)\.svg$/);
  if (pic && req.method === 'GET' && users.byName.has(pic[1])) {
    res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=3600' });
    return res.end(avatar(users.byName.get(pic[1])));
  }
  return providerCallback(req, res);
}

class Store extends MemoryAdapter {}

function makeProvider() {
  const rsa = signingKey('rsa', { modulusLength: 2048 }, 'RS256');
  const ec = signingKey('ec', { namedCurve: 'P-256' }, 'ES256');
  const logoutPage = (title, body) => page(title, body);

  const p = new Provider(issuer, {
    adapter: Store,
    clients: [{
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      client_name: opts.clientId,
      redirect_uris: opts.redirectUris,
      post_logout_redirect_uris: opts.postLogoutRedirectUris,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: opts.idTokenAlg,
    }],
    clientAuthMethods: ['client_secret_basic'],
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'picture'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // The ID token carries the scopes' claims even though an access token
    // (good for userinfo) is issued too: the relying party reads the ID token.
    conformIdTokenClaims: false,
    async findAccount(ctx, sub) {
      const user = users.bySub.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            name: user.name,
            preferred_username: user.username,
            picture: user.picture ?? `${issuer}/pictures/${user.username}.svg`,
            email: user.email,
            email_verified: user.email_verified ?? true,
            groups: user.groups,
          };
        },
      };
    },
    jwks: { keys: [rsa, ec] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'] },
    interactions: { url: (ctx, i) => `/interaction/${i.uid}` },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = logoutPage('Sign out', `<h1 id="idp-logout">Sign out of the test IdP?</h1>
<p class="sub">You are signed in here; the application asked to sign you out.</p>
${form}
<button id="idp-logout-confirm" type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button id="idp-logout-cancel" class="secondary" type="submit" form="op.logoutForm">No, stay signed in</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = logoutPage('Signed out', '<h1 id="idp-logged-out">You are signed out</h1>');
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1 id="idp-error-page">${esc(out.error)}</h1>
<p class="sub" id="idp-error-description">${esc(out.error_description)}</p>`);
    },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 120,
      BackchannelAuthenticationRequest: 600,
      ClientCredentials: 600,
      DeviceCode: 600,
      Grant: 86400,
      IdToken: 3600,
      Interaction: 900,
      RefreshToken: 86400,
      Session: 86400,
    },
  });

  const errors = ['authorization.error', 'grant.error', 'end_session.error', 'end_session_confirm.error',
    'end_session_success.error', 'userinfo.error', 'discovery.error', 'jwks.error', 'revocation.error',
    'introspection.error', 'pushed_authorization_request.error'];
  for (const event of errors) {
    p.on(event, (ctx, err) => log(`${event}: ${err.error ?? err.name}: ${err.error_description ?? err.message}`
      + `${err.error_detail ? ` (${err.error_detail})` : ''}`));
  }
  p.on('server_error', (ctx, err) => log(`server_error: ${err.stack ?? err}`));
  if (opts.misbehaveFile) p.use(misbehaving(opts.misbehaveFile, [rsa, ec]));
  return p;
}

const server = http.createServer((req, res) => {
  if (opts.verbose) res.on('finish', () => log(`${req.method} ${req.url} ${res.statusCode}`));
  handle(req, res).catch((err) => {
    log(`error on ${req.method} ${req.url}: ${err.stack ?? err}`);
    if (!res.headersSent) send(res, 500, page('Error', '<h1>Internal error</h1>'));
    else res.destroy();
  });
});

server.on('error', (err) => {
  removePidFile();
  fail(`cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`, 1);
});

server.listen(opts.port, opts.host, async () => {
  const { port } = server.address();
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  issuer = `http://${host}:${port}`;
  try {
    provider = makeProvider();
    providerCallback = provider.callback();
    // Checks the client's metadata (redirect URIs...) now rather than at the first request.
    if (!(await provider.Client.find(opts.clientId))) throw new Error('the client was not registered');
  } catch (err) {
    removePidFile();
    fail(`bad configuration: ${err.error_description ?? err.message}`);
  }
  readyResolve();
  process.stdout.write(`idp: listening on ${issuer}\n`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  if (opts.verbose) log(`${signal}: stopping`);
  server.close(() => {
    removePidFile();
    process.exit(0);
  });
  server.closeAllConnections();
  setTimeout(() => { removePidFile(); process.exit(0); }, 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
if (opts.parentPid) {
  setInterval(() => {
    try {
      process.kill(Number(opts.parentPid), 0);
    } catch (err) {
      if (err.code !== 'ESRCH') return;
      log(`process ${opts.parentPid} is gone: stopping`);
      stop('parent gone');
    }
  }, 1000).unref();
}
