// A stand-in relying party for the idp's own browser tests (no Nexus needed):
// a Node HTTP server on 127.0.0.1 doing the authorization code flow the way
// Nexus's sign-in will: PKCE S256, state and nonce, the code exchanged at
// the token endpoint with client_secret_basic, the ID token's signature and
// claims checked, then the claims shown on a page. Also RP-initiated logout.
//
//   const rp = await startStandInRp();     // rp.redirectUri, rp.postLogoutUri for the idp's client
//   rp.useIdp(idp);                        // what startIdp returned
//   page.goto(`${rp.url}/login`) ...
//
// Pages: /login redirects to the idp; /callback shows #rp-signed-in with
// #rp-claims (the ID token's payload as JSON), #rp-header (its JOSE header),
// #rp-name, #rp-email, #rp-groups, img#rp-picture and a#rp-sign-out; an
// error from the idp is #rp-error. /logout goes to the end_session_endpoint,
// which comes back to /logged-out (#rp-logged-out). Anything the stand-in
// finds wrong (state, nonce, signature, claims) is a page #rp-failure and a
// line in rp.failures, for the test to assert empty.

import crypto from 'node:crypto';
import http from 'node:http';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const random = () => b64url(crypto.randomBytes(32));
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie || '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function html(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · stand-in RP</title>
<style>
body { font-family: sans-serif; margin: 32px; color: #1d2330; }
dt { font-weight: bold; margin-top: 8px; } pre { background: #f3f4f7; padding: 10px; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
#rp-picture { width: 64px; height: 64px; border-radius: 32px; vertical-align: middle; margin-right: 12px; }
.bad { color: #9b1c1c; }
</style></head>
<body><p><small>Stand-in relying party (tests of the local idp)</small></p>
${body}
</body></html>
`;
}

const decodePart = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

// Checks an ID token as a relying party must (OIDC Core 3.1.3.7) and
// returns { header, payload }; throws on anything wrong.
async function verifyIdToken(idp, token, nonce) {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('the ID token is not a JWS compact serialization');
  const [h, p, s] = parts;
  const header = decodePart(h);
  const payload = decodePart(p);
  const jwks = await (await fetch(idp.discovery.jwks_uri)).json();
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no key ${header.kid} in the idp's JWKS`);
  if (jwk.alg && jwk.alg !== header.alg) throw new Error(`key ${jwk.kid} is for ${jwk.alg}, the token says ${header.alg}`);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  let ok;
  if (header.alg === 'RS256') ok = crypto.verify('sha256', data, key, sig);
  else if (header.alg === 'ES256') ok = crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
  else throw new Error(`unexpected ID token alg ${header.alg}`);
  if (!ok) throw new Error('the ID token signature does not verify');
  const now = Math.floor(Date.now() / 1000);
  if (payload.iss !== idp.issuer) throw new Error(`iss ${payload.iss} is not ${idp.issuer}`);
  const aud = [].concat(payload.aud);
  if (!aud.includes(idp.clientId)) throw new Error(`aud ${payload.aud} does not name ${idp.clientId}`);
  if (aud.length > 1 && payload.azp !== idp.clientId) throw new Error('several audiences and no azp for us');
  if (!(payload.exp > now)) throw new Error('the ID token has expired');
  if (!(payload.iat <= now + 60)) throw new Error('the ID token was issued in the future');
  if (payload.nonce !== nonce) throw new Error('the nonce does not match');
  return { header, payload };
}

export async function startStandInRp() {
  const pending = new Map(); // state -> { nonce, verifier }
  const sessions = new Map(); // session cookie -> { idToken, payload }
  const rp = { failures: [], callbacks: 0, idp: null };

  const redirect = (res, location, headers = {}) => {
    res.writeHead(302, { Location: location, 'Cache-Control': 'no-store', ...headers });
    res.end();
  };
  const page = (res, status, title, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    res.end(html(title, body));
  };
  const failure = (res, message) => {
    rp.failures.push(message);
    page(res, 500, 'Failure', `<h1 id="rp-failure" class="bad">Sign-in failed</h1><p>${esc(message)}</p>`);
  };

  async function callback(req, res, url, jar) {
    rp.callbacks += 1;
    const q = url.searchParams;
    const state = q.get('state');
    const expected = jar.rp_state && pending.get(jar.rp_state);
    if (!state || state !== jar.rp_state || !expected) return failure(res, `state ${state} is not the one this browser was sent with`);
    pending.delete(state);
    // RFC 9207: the idp names itself in the response; a mix-up check.
    if (q.has('iss') && q.get('iss') !== rp.idp.issuer) return failure(res, `iss ${q.get('iss')} is not our idp`);
    if (q.has('error')) {
      return page(res, 200, 'Not signed in', `<h1 id="rp-error">${esc(q.get('error'))}</h1>
<p id="rp-error-description">${esc(q.get('error_description'))}</p>`);
    }
    const code = q.get('code');
    if (!code) return failure(res, 'no code in the callback');

    const { clientId, clientSecret, discovery } = rp.idp;
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const tokenRes = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code, redirect_uri: rp.redirectUri, code_verifier: expected.verifier,
      }),
    });
    const tokens = await tokenRes.json();
    if (!tokenRes.ok) return failure(res, `token endpoint ${tokenRes.status}: ${JSON.stringify(tokens)}`);
    if (tokens.token_type?.toLowerCase() !== 'bearer' || !tokens.id_token) return failure(res, 'no bearer token and ID token');

    let verified;
    try {
      verified = await verifyIdToken(rp.idp, tokens.id_token, expected.nonce);
    } catch (err) {
      return failure(res, err.message);
    }
    const { header, payload: c } = verified;
    const sid = random();
    sessions.set(sid, { idToken: tokens.id_token, payload: c });
    return page(res, 200, 'Signed in', `<h1 id="rp-signed-in"><img id="rp-picture" src="${esc(c.picture)}" alt="">Signed in as <span id="rp-name">${esc(c.name)}</span></h1>
<dl>
<dt>sub</dt><dd id="rp-sub">${esc(c.sub)}</dd>
<dt>email</dt><dd id="rp-email">${esc(c.email)}</dd>
<dt>groups</dt><dd id="rp-groups">${esc((c.groups || []).join(', '))}</dd>
</dl>
<p>The ID token's header and claims, signature checked against the idp's JWKS:</p>
<pre id="rp-header">${esc(JSON.stringify(header))}</pre>
<pre id="rp-claims">${esc(JSON.stringify(c, null, 2))}</pre>
<p><a id="rp-sign-out" href="/logout">Sign out</a></p>`, {
      'Set-Cookie': [`rp_session=${sid}; Path=/; HttpOnly; SameSite=Lax`, 'rp_state=; Path=/; Max-Age=0'],
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url, rp.url);
    const jar = cookies(req);
    if (req.method !== 'GET') return page(res, 405, 'Method not allowed', '<h1>Method not allowed</h1>', { Allow: 'GET' });
    switch (url.pathname) {
      case '/':
        return page(res, 200, 'Home', '<h1>Stand-in RP</h1><p><a id="rp-sign-in" href="/login">Sign in</a></p>');
      case '/login': {
        const state = random();
        const nonce = random();
        const verifier = random();
        pending.set(state, { nonce, verifier });
        const auth = new URL(rp.idp.discovery.authorization_endpoint);
        auth.search = new URLSearchParams({
          response_type: 'code',
          client_id: rp.idp.clientId,
          redirect_uri: rp.redirectUri,
          scope: 'openid profile email groups',
          state,
          nonce,
          code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()),
          code_challenge_method: 'S256',
        }).toString();
        return redirect(res, auth.href, { 'Set-Cookie': `rp_state=${state}; Path=/; HttpOnly; SameSite=Lax` });
      }
      case '/callback':
        return callback(req, res, url, jar);
      case '/logout': {
        const session = sessions.get(jar.rp_session);
        if (!session) return failure(res, 'sign out without a session');
        sessions.delete(jar.rp_session);
        const state = random();
        const end = new URL(rp.idp.discovery.end_session_endpoint);
        end.search = new URLSearchParams({
          id_token_hint: session.idToken,
          post_logout_redirect_uri: rp.postLogoutUri,
          state,
        }).toString();
        return redirect(res, end.href, {
          'Set-Cookie': [`rp_logout=${state}; Path=/; HttpOnly; SameSite=Lax`, 'rp_session=; Path=/; Max-Age=0'],
        });
      }
      case '/logged-out':
        if (url.searchParams.get('state') !== jar.rp_logout) return failure(res, 'the logout state does not match');
        return page(res, 200, 'Signed out', '<h1 id="rp-logged-out">Signed out</h1><p><a id="rp-sign-in" href="/login">Sign in again</a></p>');
      default:
        return page(res, 404, 'Not found', '<h1>Not found</h1>');
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (res.headersSent) res.destroy();
      else failure(res, `stand-in error: ${err.stack || err}`);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  rp.url = `http://127.0.0.1:${server.address().port}`;
  rp.redirectUri = `${rp.url}/callback`;
  rp.postLogoutUri = `${rp.url}/logged-out`;
  rp.useIdp = (idp) => { rp.idp = idp; };
  rp.close = () => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return rp;
}
