// The browser tests' helpers: Debian's Chromium driven by puppeteer-core,
// and the local OpenID Connect provider (tools/idp). For tests run with
// `node --test t/browser/` (make browser-test), against the idp alone or,
// later, against a Nexus stack.
//
//   import { launchBrowser, newPage, signIn, screenshot, startIdp, stopIdp, users } from './harness.mjs';
//
//   const idp = await startIdp({ redirectUris: ['http://127.0.0.1:4260/callback'] });
//   const browser = await launchBrowser();
//   const page = await newPage(browser);
//   await page.goto(appUrl);                     // the application sends the browser to the idp
//   await signIn(page, 'alice');                 // the idp's form; back at the application
//   await screenshot(page, 'signed-in');         // OUT/signed-in.png
//   await browser.close();                       // also removes the browser's profile
//   await stopIdp(idp);
//
// Screenshots and the idp's log go to outDir(): $NEXUS_TEST_OUT/browser
// when NEXUS_TEST_OUT is set, else t/browser/out/ (git-ignored).

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const TOP = path.resolve(here, '..', '..');

// The dev users of the idp (t/idp/users.json): users.alice.password, .sub, .groups ...
export const users = JSON.parse(fs.readFileSync(path.join(TOP, 't', 'idp', 'users.json'), 'utf8'));

export const CHROMIUM = process.env.NEXUS_CHROMIUM || '/usr/bin/chromium';
// As root with no sandbox, and nothing that reaches out of the machine
// (this network refuses it, and a test must not wait on it).
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let out;
// Where screenshots and logs go (created on first use).
export function outDir() {
  if (!out) {
    out = process.env.NEXUS_TEST_OUT
      ? path.join(path.resolve(process.env.NEXUS_TEST_OUT), 'browser')
      : path.join(here, 'out');
    fs.mkdirSync(out, { recursive: true });
  }
  return out;
}

// A new headless Chromium with a fresh, empty profile. browser.close() also
// removes the profile. extraArgs are added to CHROMIUM_ARGS.
export async function launchBrowser({ extraArgs = [], viewport = { width: 1024, height: 768 } } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (make deps, or apt-get install -y chromium)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nexus-chromium-'));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: [...CHROMIUM_ARGS, ...extraArgs],
      defaultViewport: viewport,
      timeout: 30_000,
    });
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const close = browser.close.bind(browser);
  browser.close = async () => {
    try {
      await close();
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
    }
  };
  return browser;
}

// A page in a context of its own (no cookies shared with other pages), with
// a 15 s default timeout. Script errors on the page are collected in
// page.errors (a test may assert it stays empty).
export async function newPage(browser, { timeout = 15_000 } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.setDefaultNavigationTimeout(timeout);
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err.message));
  return page;
}

async function fill(page, selector, value) {
  await page.$eval(selector, (el) => { el.value = ''; });
  await page.type(selector, value);
}

// On the idp's login page (waits for it): types the user and the password
// (users[username].password unless given), submits, and waits until the
// browser has landed wherever the redirects lead (the application's
// callback, or the login page again with #idp-error for a wrong password).
// Returns the last navigation's response. filledScreenshot: a name, to
// take a screenshot of the filled-in form before it is sent.
export async function signIn(page, username, password = users[username]?.password, { filledScreenshot } = {}) {
  if (password === undefined) throw new Error(`no password given and no dev user ${username} in t/idp/users.json`);
  await page.waitForSelector('form#idp-login');
  await fill(page, '#idp-username', username);
  await fill(page, '#idp-password', password);
  if (filledScreenshot) await screenshot(page, filledScreenshot);
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click('#idp-submit'),
  ]);
  return response;
}

// A full-page PNG of the page as OUT/NAME.png; returns its path.
export async function screenshot(page, name) {
  const file = path.join(outDir(), `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// A TCP port on 127.0.0.1 that was free a moment ago.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const run = promisify(execFile);
const toolsIdp = path.join(TOP, 'tools', 'idp');

function readEnv(file) {
  const env = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

// Starts the idp through tools/idp on a free port (or `port`) in a new
// temporary directory (or `dir`). redirectUris (at least one) and
// postLogoutRedirectUris are the client's; idTokenAlg is RS256 or ES256;
// args are more options for t/idp/idp.mjs. Returns
//   { issuer, port, dir, clientId, clientSecret, clientSecretFile, discovery, log }
// where discovery is the parsed /.well-known/openid-configuration.
export async function startIdp({
  redirectUris, postLogoutRedirectUris = [], clientId, idTokenAlg, port, dir, args = [],
} = {}) {
  if (!redirectUris?.length) throw new Error('startIdp: redirectUris is required');
  const ownDir = !dir;
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'nexus-idp-'));
  port ??= await freePort();
  const argv = ['start', dir, String(port)];
  for (const u of redirectUris) argv.push('--redirect-uri', u);
  for (const u of postLogoutRedirectUris) argv.push('--post-logout-redirect-uri', u);
  if (clientId) argv.push('--client-id', clientId);
  if (idTokenAlg) argv.push('--id-token-alg', idTokenAlg);
  // Should this process die before stopIdp, the idp stops by itself.
  argv.push('--parent-pid', String(process.pid), ...args);
  try {
    // The first start may run npm ci.
    await run(toolsIdp, argv, { timeout: 180_000 });
  } catch (err) {
    throw new Error(`tools/idp ${argv.join(' ')} failed:\n${err.stderr || err.message}`);
  }
  const env = readEnv(path.join(dir, 'idp.env'));
  const issuer = env.IDP_ISSUER;
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`the idp's discovery answered ${res.status}`);
  return {
    issuer,
    port,
    dir,
    ownDir,
    clientId: env.IDP_CLIENT_ID,
    clientSecret: fs.readFileSync(env.IDP_CLIENT_SECRET_FILE, 'utf8').split('\n')[0].trim(),
    clientSecretFile: env.IDP_CLIENT_SECRET_FILE,
    discovery: await res.json(),
    log: env.IDP_LOG,
  };
}

// Stops the idp; keeps its log as OUT/idp-PORT.log and removes the
// directory startIdp made (not one it was given).
export async function stopIdp(idp) {
  if (!idp) return;
  await run(toolsIdp, ['stop', idp.dir], { timeout: 30_000 });
  try {
    fs.copyFileSync(idp.log, path.join(outDir(), `idp-${idp.port}.log`));
  } catch { /* no log */ }
  if (idp.ownDir) fs.rmSync(idp.dir, { recursive: true, force: true });
}

// Starts a whole Nexus test stack (tools/devstack start: MariaDB, the pool,
// nginx and, since NEXUS_SSO_ISSUER is not passed on, the local idp) in a
// new temporary directory on a free port, from the build in $NEXUS_BUILD
// (else build/). Returns { url, dir, env } where env is its stack.env.
export async function startNexus({ port } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nexus-browser-'));
  fs.chmodSync(dir, 0o755);
  port ??= await freePort();
  const env = { ...process.env, NEXUS_PORT: String(port), NEXUS_BUILD: process.env.NEXUS_BUILD || path.join(TOP, 'build') };
  delete env.NEXUS_SSO_ISSUER;
  delete env.NEXUS_ADMIN_TOKEN;
  try {
    await run(path.join(TOP, 'tools', 'devstack'), ['start', dir], { env, timeout: 180_000 });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`tools/devstack start failed:\n${err.stderr || err.message}`);
  }
  const stack = readEnv(path.join(dir, 'stack.env'));
  return { url: stack.NEXUS_URL, dir, env: stack };
}

// Stops what startNexus started, keeps the pool's and the idp's logs as
// OUT/nexus-PORT.log and OUT/nexus-idp-PORT.log, and removes its directory.
export async function stopNexus(nexus) {
  if (!nexus) return;
  try {
    await run(path.join(TOP, 'tools', 'devstack'), ['stop', nexus.dir], { timeout: 60_000 });
  } finally {
    const port = new URL(nexus.url).port;
    for (const [from, to] of [['nexus.log', `nexus-${port}.log`], ['idp/idp.log', `nexus-idp-${port}.log`]]) {
      try { fs.copyFileSync(path.join(nexus.dir, from), path.join(outDir(), to)); } catch { /* none */ }
    }
    fs.rmSync(nexus.dir, { recursive: true, force: true });
  }
}
