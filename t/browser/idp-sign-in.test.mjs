// The local idp (tools/idp) through a real browser, with no Nexus: a
// stand-in relying party sends Chromium to the idp's login page, the test
// types a dev user's password, and the stand-in shows what the ID token
// says. Screenshots of each step go to outDir() (printed at the end).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  launchBrowser, newPage, outDir, screenshot, signIn, startIdp, stopIdp, users,
} from './harness.mjs';
import { startStandInRp } from './rp-stand-in.mjs';

let rp;
let idp;
let browser;

before(async () => {
  rp = await startStandInRp();
  idp = await startIdp({ redirectUris: [rp.redirectUri], postLogoutRedirectUris: [rp.postLogoutUri] });
  rp.useIdp(idp);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopIdp(idp);
  await rp?.close();
  console.log(`screenshots and the idp's log: ${outDir()}`);
});

const claimsOn = async (page) => JSON.parse(await page.$eval('#rp-claims', (el) => el.textContent));
const text = (page, selector) => page.$eval(selector, (el) => el.textContent.trim());

test('alice signs in at the idp, the relying party reads her claims from the ID token, and she signs out', async () => {
  const page = await newPage(browser);
  await page.goto(`${rp.url}/login`);
  await page.waitForSelector('form#idp-login');
  assert.ok(page.url().startsWith(`${idp.issuer}/interaction/`), `on the idp's login page, not ${page.url()}`);
  await screenshot(page, 'sign-in-1-idp-login');

  const response = await signIn(page, 'alice', users.alice.password, { filledScreenshot: 'sign-in-2-idp-filled' });
  assert.equal(response.status(), 200);
  assert.ok(page.url().startsWith(`${rp.redirectUri}?`), `back at the relying party's callback, not ${page.url()}`);
  await page.waitForSelector('#rp-signed-in');
  // The avatar comes from the idp's picture URL.
  await page.waitForFunction(() => document.querySelector('#rp-picture').naturalWidth > 0);
  await screenshot(page, 'sign-in-3-rp-signed-in');

  const claims = await claimsOn(page);
  assert.equal(claims.sub, users.alice.sub);
  assert.equal(claims.name, 'Alice Admin');
  assert.equal(claims.email, 'alice@nexus.example');
  assert.equal(claims.email_verified, true);
  assert.deepEqual(claims.groups, ['nexus-admins', 'staff']);
  assert.equal(claims.preferred_username, 'alice');
  assert.equal(claims.picture, `${idp.issuer}/pictures/alice.svg`);
  assert.equal(claims.iss, idp.issuer);
  assert.equal(claims.aud, idp.clientId);
  assert.equal(JSON.parse(await text(page, '#rp-header')).alg, 'RS256');
  assert.equal(await text(page, '#rp-name'), 'Alice Admin');
  assert.equal(await text(page, '#rp-groups'), 'nexus-admins, staff');

  await Promise.all([page.waitForNavigation(), page.click('#rp-sign-out')]);
  await page.waitForSelector('#idp-logout-confirm');
  assert.ok(page.url().startsWith(`${idp.issuer}/session/end`), page.url());
  await screenshot(page, 'sign-in-4-idp-sign-out');
  await Promise.all([page.waitForNavigation(), page.click('#idp-logout-confirm')]);
  await page.waitForSelector('#rp-logged-out');
  assert.ok(page.url().startsWith(`${rp.postLogoutUri}?`), page.url());
  await screenshot(page, 'sign-in-5-rp-signed-out');

  // Signed out at the idp too: signing in again asks for the password.
  await page.goto(`${rp.url}/login`);
  await page.waitForSelector('form#idp-login');

  assert.deepEqual(rp.failures, []);
  assert.deepEqual(page.errors, []);
});

test('a wrong password keeps the browser on the login page with an error', async () => {
  const page = await newPage(browser);
  await page.goto(`${rp.url}/login`);
  const loginUrl = page.url();
  const callbacks = rp.callbacks;

  const response = await signIn(page, 'alice', 'not-alices-password');
  assert.equal(response.status(), 200);
  await screenshot(page, 'wrong-password-1-idp-error');
  assert.ok(page.url().startsWith(`${loginUrl}/`), `still at the same sign-in, not ${page.url()}`);
  assert.match(await text(page, '#idp-error'), /wrong username or password/i);
  assert.ok(await page.$('form#idp-login'), 'the form is shown again');
  assert.equal(await page.$eval('#idp-username', (el) => el.value), 'alice');
  assert.equal(await page.$eval('#idp-password', (el) => el.value), '');
  assert.equal(rp.callbacks, callbacks, 'the relying party heard nothing');

  // An unknown user gets the same answer, and the right password still works after.
  await signIn(page, 'mallory', 'whatever');
  assert.match(await text(page, '#idp-error'), /wrong username or password/i);
  await signIn(page, 'bob');
  await page.waitForSelector('#rp-signed-in');
  assert.deepEqual((await claimsOn(page)).groups, ['staff']);
  assert.deepEqual(rp.failures, []);
});

test('cancel on the login page returns access_denied to the relying party', async () => {
  const page = await newPage(browser);
  await page.goto(`${rp.url}/login`);
  await page.waitForSelector('form#idp-login');
  await Promise.all([page.waitForNavigation(), page.click('#idp-cancel')]);
  await page.waitForSelector('#rp-error');
  assert.equal(await text(page, '#rp-error'), 'access_denied');
  await screenshot(page, 'cancel-1-rp-access-denied');
  assert.deepEqual(rp.failures, []);
});

test('with --id-token-alg ES256 the ID token is signed ES256', async () => {
  const rp2 = await startStandInRp();
  const idp2 = await startIdp({ redirectUris: [rp2.redirectUri], idTokenAlg: 'ES256' });
  try {
    rp2.useIdp(idp2);
    assert.ok(idp2.discovery.id_token_signing_alg_values_supported.includes('ES256'));
    const page = await newPage(browser);
    await page.goto(`${rp2.url}/login`);
    await signIn(page, 'carol');
    await page.waitForSelector('#rp-signed-in');
    await screenshot(page, 'es256-1-rp-signed-in');
    assert.equal(JSON.parse(await text(page, '#rp-header')).alg, 'ES256');
    const claims = await claimsOn(page);
    assert.equal(claims.sub, users.carol.sub);
    assert.deepEqual(claims.groups, []);
    assert.deepEqual(rp2.failures, []);
  } finally {
    await stopIdp(idp2);
    await rp2.close();
  }
});
