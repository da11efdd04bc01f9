// Browser sign-in to Nexus itself: a whole test stack (tools/devstack, with
// the local idp), headless Chromium opens a UI page, lands on Nexus's gate
// page, signs in at the idp as alice, is back on the page as alice (an
// admin, by sso.admin_groups=nexus-admins), /api/auth/me shows her, she
// signs out (confirming at the idp), the gate says she is signed out, and
// her old cookie no longer works. A sign-in cancelled at the idp ends on
// Nexus's own error page. Screenshots of each step go to outDir() (printed
// at the end).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  launchBrowser, newPage, outDir, screenshot, signIn, startNexus, stopNexus, users,
} from './harness.mjs';

let nexus;
let browser;

before(async () => {
  nexus = await startNexus();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopNexus(nexus);
  console.log(`screenshots and logs: ${outDir()}`);
});

const bodyText = (page) => page.evaluate(() => document.body.innerText);

test('alice opens the secrets page, signs in through the gate and the idp, sees it, and signs out', async () => {
  const issuer = nexus.env.NEXUS_SSO_ISSUER;
  assert.ok(issuer, 'the stack runs the local idp');
  const page = await newPage(browser);

  await page.goto(`${nexus.url}/api/secrets`);
  await page.waitForSelector('#nexus-sign-in');
  assert.equal(page.url(), `${nexus.url}/api/auth/nexus-gate?return_to=%2Fapi%2Fsecrets`);
  assert.match(await bodyText(page), /Sign in with the test IdP/);
  assert.equal(await page.$eval('#nexus-return-to', (el) => el.textContent), '/api/secrets');
  await screenshot(page, 'nexus-1-gate');

  await Promise.all([page.waitForNavigation(), page.click('#nexus-sign-in')]);
  await page.waitForSelector('form#idp-login');
  assert.ok(page.url().startsWith(`${issuer}/interaction/`), `at the idp's login page, not ${page.url()}`);
  await screenshot(page, 'nexus-2-idp-login');

  const response = await signIn(page, 'alice', users.alice.password, { filledScreenshot: 'nexus-3-idp-filled' });
  assert.equal(response.status(), 200);
  assert.equal(page.url(), `${nexus.url}/api/secrets`, 'back on the page she asked for');
  assert.equal(await page.$eval('#nexus-user', (el) => el.dataset.userId), users.alice.sub, 'the bar names alice');
  await screenshot(page, 'nexus-4-secrets-signed-in');

  const cookies = await page.browserContext().cookies();
  const session = cookies.find((c) => c.name === 'nexus_session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  assert.equal(session.path, '/');

  await page.goto(`${nexus.url}/api/auth/me`);
  const me = JSON.parse(await bodyText(page));
  assert.equal(me.userId, users.alice.sub);
  assert.equal(me.name, 'Alice Admin');
  assert.equal(me.email, 'alice@nexus.example');
  assert.deepEqual(me.roles, ['admin']);
  await screenshot(page, 'nexus-5-me');

  await page.goto(`${nexus.url}/api/auth/logout`);
  await page.waitForSelector('#idp-logout-confirm');
  assert.ok(page.url().startsWith(`${issuer}/session/end`), page.url());
  await screenshot(page, 'nexus-6-idp-sign-out');
  await Promise.all([page.waitForNavigation(), page.click('#idp-logout-confirm')]);
  assert.equal(page.url(), `${nexus.url}/api/auth/nexus-gate?return_to=%2F`,
    'back at this site after signing out: / sends a browser without a session to sign in');
  assert.equal(await page.$eval('#nexus-gate-signed-out', (el) => el.textContent), 'You are signed out.',
    '... where the gate says so');
  await screenshot(page, 'nexus-7-signed-out');
  assert.equal((await page.browserContext().cookies()).find((c) => c.name === 'nexus_session'), undefined,
    'the cookie is gone from the browser');

  const old = await fetch(`${nexus.url}/api/auth/me`, { headers: { Cookie: `nexus_session=${session.value}` } });
  assert.equal(old.status, 401, 'the old cookie no longer works');
  const oldPage = await fetch(`${nexus.url}/api/secrets`, { headers: { Cookie: `nexus_session=${session.value}` } });
  assert.equal(oldPage.status, 401, '... on the UI routes either');

  await page.goto(`${nexus.url}/api/secrets`);
  await page.waitForSelector('#nexus-sign-in');
  assert.equal(await page.$('#nexus-gate-signed-out'), null, 'the next time, the gate is the plain one');
  await screenshot(page, 'nexus-8-gate-again');
  assert.deepEqual(page.errors, []);
});

test('a sign-in cancelled at the idp ends on Nexus\'s error page, with the idp\'s error and a way back', async () => {
  const issuer = nexus.env.NEXUS_SSO_ISSUER;
  const page = await newPage(browser);
  await page.goto(`${nexus.url}/api/auth/login?return_to=${encodeURIComponent('/api/agents')}`);
  await page.waitForSelector('form#idp-login');
  assert.ok(page.url().startsWith(`${issuer}/interaction/`), `at the idp's login page, not ${page.url()}`);
  const [response] = await Promise.all([page.waitForNavigation(), page.click('#idp-cancel')]);
  await page.waitForSelector('#nexus-sign-in-error');
  assert.equal(new URL(page.url()).origin + new URL(page.url()).pathname, `${nexus.url}/api/auth/callback`,
    'on Nexus\'s callback');
  assert.equal(response.status(), 401);
  assert.match(response.headers()['content-security-policy'], /default-src 'none'/);
  assert.equal(await page.$eval('main h1', (el) => el.textContent), 'Sign-in failed');
  const message = await page.$eval('#nexus-sign-in-error', (el) => el.textContent);
  assert.match(message, /refused the sign-in: access_denied \(The user cancelled the sign-in\)/, 'the idp\'s error');
  assert.doesNotMatch(await page.content(), /code=|state=/, 'nothing of the exchange on the page');
  await screenshot(page, 'nexus-9-sign-in-cancelled');
  assert.equal((await page.browserContext().cookies()).find((c) => c.name === 'nexus_session'), undefined, 'no session');

  await Promise.all([page.waitForNavigation(), page.click('#nexus-back-to-sign-in')]);
  await page.waitForSelector('#nexus-sign-in');
  assert.equal(page.url(), `${nexus.url}/api/auth/nexus-gate?return_to=%2Fapi%2Fagents`,
    'the way back is the gate page, going where the browser was going');
  assert.deepEqual(page.errors, []);
});
