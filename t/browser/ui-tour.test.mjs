// The web UI as people use it: headless Chromium signs in at the local idp,
// opens every page, changes things through the pages' forms (a profile, an
// agent and its one-time token, a secret, a knowledge entry), reveals a
// secret (and finds the audit row on the audit log page), looks at narrower
// windows, and signs out (the gate says so; the old session no longer
// works). A viewer sees the pages without their forms
// and is refused the admin ones with a page that says why. A screenshot of
// every page goes to outDir() (ui-*.png); look at them after a change.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  launchBrowser, newPage, outDir, screenshot, signIn, startNexus, stopNexus, users,
} from './harness.mjs';

let nexus;
let browser;
let adminToken;
const tag = `tour${process.pid}`;

before(async () => {
  nexus = await startNexus();
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
  adminToken = fs.readFileSync(path.join(nexus.dir, 'admin.token'), 'utf8').trim();
});

after(async () => {
  await browser?.close();
  await stopNexus(nexus);
  console.log(`screenshots and logs: ${outDir()}`);
});

// The admin token's API, for fixtures and for checking what the pages did.
async function api(method, urlPath, body) {
  const res = await fetch(`${nexus.url}${urlPath}`, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

// Opens urlPath, checks the answer is a whole page of the UI with the
// strict CSP, and saves a screenshot (unless shot is null: a page already
// shot, opened again to use its forms). Returns the response.
async function visit(page, urlPath, shot, { status = 200 } = {}) {
  const response = await page.goto(`${nexus.url}${urlPath}`);
  assert.equal(response.status(), status, `${urlPath}: HTTP ${response.status()}`);
  assert.match(response.headers()['content-type'], /^text\/html/, `${urlPath} is a page`);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /default-src 'none'/, `${urlPath}: CSP`);
  assert.doesNotMatch(csp, /unsafe-inline/, `${urlPath}: nothing inline`);
  await page.waitForSelector('main h1');
  if (shot) await screenshot(page, shot);
  return response;
}

// Signs in through the gate and the idp from a first page.
async function signInFrom(page, urlPath, user) {
  await page.goto(`${nexus.url}${urlPath}`);
  await page.waitForSelector('#nexus-sign-in');
  await Promise.all([page.waitForNavigation(), page.click('#nexus-sign-in')]);
  await page.waitForSelector('form#idp-login');
  await signIn(page, user, users[user].password);
  assert.equal(page.url(), `${nexus.url}${urlPath}`, `${user} is back where they started`);
}

// Submits a form of the UI (nexus.js sends it) and waits for the page it
// leads to.
async function submitAndWait(page, formSelector) {
  await Promise.all([page.waitForNavigation(), page.click(`${formSelector} button[type=submit]`)]);
}

const text = (page) => page.evaluate(() => document.body.innerText);

test('alice (admin) tours every page, changes things, reveals a secret and signs out', async () => {
  // Fixtures the pages will show: a model, a knowledge entry, an agent with a memory.
  assert.equal((await api('POST', '/api/registry/models', {
    slug: `${tag}-model`, model_id: `${tag}/model-1`, pricing: { prompt: 1 },
  })).status, 201);
  const agentSlug = `${tag}-agent`;
  const reg = await fetch(`${nexus.url}/api/agents/register`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ slug: agentSlug, name: 'Tour agent', scope: 'tour' }),
  });
  assert.ok([200, 201].includes(reg.status), `register: ${reg.status}`);
  const issued = await api('PUT', `/api/agents/${agentSlug}/token`);
  assert.ok([200, 201].includes(issued.status), `token: ${issued.status}`);
  const collect = await fetch(`${nexus.url}/api/memories/collect`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${issued.json.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ agent: agentSlug, content: 'Remember <b>the tour</b>.', date: '2026-11-30' }),
  });
  assert.equal(collect.status, 201);

  const page = await newPage(browser);
  await signInFrom(page, '/', 'alice');
  assert.equal(await page.$eval('#nexus-user', (el) => el.dataset.userId), users.alice.sub);
  await screenshot(page, 'ui-01-overview');

  await visit(page, '/api/agents', 'ui-02-agents');
  assert.match(await text(page), new RegExp(agentSlug));
  await visit(page, '/api/profiles', 'ui-03-profiles');
  await visit(page, '/api/registry/models', 'ui-04-registry');
  assert.match(await text(page), new RegExp(`${tag}/model-1`));
  await visit(page, '/api/assignments', 'ui-05-assignments');
  await visit(page, '/api/secrets', 'ui-06-vault');
  await visit(page, '/api/knowledge', 'ui-07-knowledge');
  await visit(page, '/api/memories/list', 'ui-08-memories');
  assert.match(await text(page), new RegExp(agentSlug));
  await visit(page, `/api/memories/download/${agentSlug}/2026-11-30`, 'ui-09-memory-day');
  assert.match(await text(page), /Remember <b>the tour<\/b>\./, 'the entry as text, markup escaped');
  await visit(page, `/api/memories/search?query=tour&agent=${agentSlug}`, 'ui-10-memory-search');
  await visit(page, '/admin/audit-log', 'ui-11-audit-log');
  await visit(page, '/admin/status', 'ui-12-status');

  await visit(page, `/api/registry/models/${tag}-model`, 'ui-13-registry-family');
  assert.match(await text(page), /USD per 1M tokens/, 'a price says what it is per');

  // A change through a form: a new profile.
  await visit(page, '/api/profiles', null);
  await page.click('#new-profile summary');
  const profile = `Tour ${tag}`;
  await page.type('#create-profile input[name=name]', profile);
  await page.type('#create-profile input[name=model]', `${tag}/model-1`);
  await submitAndWait(page, '#create-profile');
  assert.equal(decodeURIComponent(new URL(page.url()).pathname), `/api/profiles/${profile}`, 'on the new profile\'s page');
  await screenshot(page, 'ui-14-profile');
  const stored = await api('GET', `/api/profiles/${encodeURIComponent(profile)}`);
  assert.equal(stored.json.model, `${tag}/model-1`, 'the profile is stored');

  // An agent registered on the page, then its first token: shown once, in
  // its row, and never again.
  const newAgent = `${tag}-ui-agent`;
  await visit(page, '/api/agents', null);
  await page.click('#register-agent summary');
  await page.type('#register-form input[name=slug]', newAgent);
  await page.type('#register-form input[name=name]', 'Agent from the page');
  await page.type('#register-form input[name=scope]', 'tour');
  await submitAndWait(page, '#register-form');
  await page.waitForSelector(`#agent-${newAgent}`);
  await page.click(`#token-${newAgent} button[type=submit]`);
  await page.waitForSelector(`#new-token-${newAgent}:not([hidden])`);
  const token = await page.$eval(`#token-value-${newAgent}`, (el) => el.textContent);
  assert.match(token, /^nxa_[A-Za-z0-9_-]{43}$/, 'the new token is on the page');
  assert.equal((await page.content()).split(token).length - 1, 1, 'shown once, in one place');
  await screenshot(page, 'ui-15-agents-new-token');
  const beat = await fetch(`${nexus.url}/api/agents/${newAgent}/heartbeat`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}',
  });
  assert.equal(beat.status, 200, 'the token shown works');
  const hash = await page.$eval(`#new-token-${newAgent} [data-field=token_hash]`, (el) => el.textContent);
  await page.reload();
  await page.waitForSelector('main h1');
  assert.doesNotMatch(await page.content(), new RegExp(token), 'not on the page after a reload');
  assert.equal(await page.$eval(`#new-token-${newAgent}`, (el) => el.hidden), true, 'the token row is empty and hidden again');
  assert.match(await page.$eval('#tokens', (el) => el.textContent), new RegExp(hash), 'only its hash, under Active tokens');

  // A secret: created, revealed (audited), found on the audit log page.
  await visit(page, '/api/secrets', null);
  await page.click('#new-secret summary');
  await page.type('#create-secret input[name=scope]', 'tour');
  await page.type('#create-secret input[name=name]', `${tag}/db-password`);
  const value = `value-${tag}-${'x7Qz'.repeat(16)}`;
  await page.type('#create-secret input[name=value]', value);
  await submitAndWait(page, '#create-secret');
  const secrets = (await api('GET', '/api/vault/secrets?scope=tour')).json;
  const secret = secrets.find((s) => s.name === `${tag}/db-password`);
  assert.ok(secret, 'the secret is stored');
  assert.doesNotMatch(await page.content(), new RegExp(value), 'no value on the page before a reveal');
  await page.click(`#reveal-${secret.id} button`);
  await page.waitForSelector(`#value-${secret.id}:not([hidden])`);
  assert.equal(await page.$eval(`#value-${secret.id} [data-field=value]`, (el) => el.textContent), value);
  await screenshot(page, 'ui-16-vault-revealed');

  await visit(page, `/admin/audit-log?action=secret.reveal&target=secret:${secret.id}`, 'ui-17-audit-reveal');
  const audit = await text(page);
  assert.match(audit, /secret\.reveal/);
  assert.match(audit, new RegExp(`user:${users.alice.sub}`), 'the reveal is audited under alice');

  // A knowledge entry written on its kind's page, opened, and found.
  const entry = `${tag}-gpu`;
  await visit(page, '/api/knowledge/server', null);
  await page.click('#new-entity summary');
  await page.type('#create-entity input[name=name]', entry);
  await page.$eval('#create-entity textarea[name=yaml]', (el, yaml) => { el.value = yaml; }, [
    'apiVersion: nexus/v1',
    'kind: server',
    'metadata:',
    '  title: Tour GPU box',
    '  tags: [tour, gpu]',
    '  links:',
    '    - {title: Runbook, url: "https://wiki.tour.example/gpu"}',
    'spec:',
    '  host: gpu-1.tour.example',
    '  cores: 32',
    'content: |',
    `  The ${tag} render box. Reboot it from the <b>console</b> only.`,
    '',
  ].join('\n'));
  await screenshot(page, 'ui-18-knowledge-new-entry');
  await submitAndWait(page, '#create-entity');
  assert.equal(new URL(page.url()).pathname, `/api/knowledge/server/${entry}`, 'on the new entry\'s page');
  await page.waitForSelector('#entity-facts');
  assert.equal(await page.$eval('#entity-title', (el) => el.textContent), 'Tour GPU box');
  assert.match(await page.$eval('#entity-content', (el) => el.textContent), /from the <b>console<\/b> only/, 'content as text');
  await screenshot(page, 'ui-19-knowledge-entry');
  const kept = await api('GET', `/api/knowledge/server/${entry}`);
  assert.equal(kept.status, 200, 'the entry is stored');
  await visit(page, `/api/knowledge?query=${tag}%20render`, 'ui-20-knowledge-search');
  assert.ok(await page.$(`#entities a[href="/api/knowledge/server/${entry}"]`), 'the search lists it');

  // A page that does not exist, in the frame, with a way on.
  await visit(page, `/api/profiles/${tag}-nothing`, 'ui-21-not-found', { status: 404 });
  assert.match(await text(page), /Back to the overview/);

  // Narrower windows: the sections get a row of their own, then scroll sideways.
  await page.setViewport({ width: 1000, height: 760 });
  await visit(page, '/api/registry/models', 'ui-22-registry-1000px');
  const bar = await page.$eval('header.bar', (el) => el.getBoundingClientRect().height);
  assert.ok(bar < 110, `the bar stays two rows high at 1000 px (${bar} px)`);
  await page.setViewport({ width: 390, height: 844 });
  await visit(page, '/api/secrets?scope=tour', null);
  await page.click(`#reveal-${secret.id} button`);
  await page.waitForSelector(`#value-${secret.id}:not([hidden])`);
  await screenshot(page, 'ui-23-vault-revealed-390px');
  const overflow = await page.$eval('header.bar', (el) => el.scrollWidth - el.clientWidth);
  assert.equal(overflow, 0, 'nothing of the bar sticks out of a phone\'s width');
  await page.setViewport({ width: 1280, height: 900 });

  assert.deepEqual(page.errors, [], 'no script errors on any page');

  // Sign out from the bar: the session ends, at Nexus and at the idp.
  const session = (await page.browserContext().cookies()).find((c) => c.name === 'nexus_session');
  assert.ok(session);
  await Promise.all([page.waitForNavigation(), page.click('#nexus-sign-out')]);
  await page.waitForSelector('#idp-logout-confirm');
  await Promise.all([page.waitForNavigation(), page.click('#idp-logout-confirm')]);
  await page.waitForSelector('#nexus-sign-in');
  assert.equal(await page.$eval('#nexus-gate-signed-out', (el) => el.textContent), 'You are signed out.');
  await screenshot(page, 'ui-24-signed-out');
  await page.reload();
  await page.waitForSelector('#nexus-sign-in');
  assert.equal(await page.$('#nexus-gate-signed-out'), null, 'said once: a reload is the plain gate');
  const old = await fetch(`${nexus.url}/api/secrets`, {
    headers: { Cookie: `nexus_session=${session.value}`, Accept: 'text/html' }, redirect: 'manual',
  });
  assert.equal(old.status, 302, 'the old cookie is sent to sign in again');
  const oldJson = await fetch(`${nexus.url}/api/auth/me`, { headers: { Cookie: `nexus_session=${session.value}` } });
  assert.equal(oldJson.status, 401, 'and /me no longer knows it');
});

test('bob (viewer) reads the pages without their forms and is refused the admin ones', async () => {
  const page = await newPage(browser);
  await signInFrom(page, '/api/secrets', 'bob');
  await screenshot(page, 'ui-30-viewer-vault');
  assert.equal(await page.$('#create-secret'), null, 'no create form for a viewer');
  assert.equal(await page.$('form[id^=reveal-]'), null, 'no reveal for a viewer');
  await visit(page, '/api/profiles', 'ui-31-viewer-profiles');
  assert.equal(await page.$('#create-profile'), null);
  await visit(page, '/admin/audit-log', 'ui-32-viewer-refused', { status: 403 });
  assert.match(await text(page), /viewer/);
  const nav = await page.$$eval('header nav a', (links) => links.map((a) => a.textContent));
  assert.ok(!nav.includes('Audit log'), 'the bar offers no admin sections');
  assert.deepEqual(page.errors, []);
  await page.browserContext().close();
});
