// The member page end to end, in Debian's chromium driven by playwright-core:
// a real timebankd with --http-listen, seeded by `timebank demo`. Kathy signs
// in with her code and sees her balance; she logs an exchange with Vera; Vera
// opens her sign-in link, confirms it, and both balances change; a
// coordinator looks at Kathy and records a confirmed exchange. Screenshots go
// to $TIMEBANK_ARTIFACT_DIR.
//
// Run by CTest (tests/browser/CMakeLists.txt), which sets TIMEBANKD,
// TIMEBANK_CLI and TIMEBANK_ARTIFACT_DIR. Needs no network and no stdin.

import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const CHROMIUM = process.env.TIMEBANK_CHROMIUM || '/usr/bin/chromium';
const TIMEBANKD = process.env.TIMEBANKD;
const CLI = process.env.TIMEBANK_CLI;
const ARTIFACTS = process.env.TIMEBANK_ARTIFACT_DIR || process.cwd();
const STEP_TIMEOUT_MS = 10_000;

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (error) {
  console.error('playwright-core is not installed: run deploy/setup.sh (npm ci in tests/browser)');
  process.exit(1);
}
for (const [name, path] of [['TIMEBANKD', TIMEBANKD], ['TIMEBANK_CLI', CLI], ['chromium', CHROMIUM]]) {
  if (!path || !existsSync(path)) {
    console.error(`${name} not found at ${path}: build the project and run deploy/setup.sh`);
    process.exit(1);
  }
}

// Same words as the page: 750 -> "12 h 30 m". Written again here on purpose,
// so a mistake in the page's formatting fails the test.
function hoursAndMinutes(total) {
  const minutes = Math.abs(total);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0 && m === 0) return '0 h';
  if (h === 0) return `${m} m`;
  if (m === 0) return `${h} h`;
  return `${h} h ${m} m`;
}

async function waitFor(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ------------------------------------------------------------ the server

const work = mkdtempSync(join(tmpdir(), 'timebank-browser-'));
const dataDir = join(work, 'data');
const readyFile = join(work, 'ready');
const logFile = join(work, 'server.log');
const server = spawn(TIMEBANKD, [
  '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0',
  '--ready-file', readyFile,
], { stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] });
let browser;

async function stopEverything() {
  if (browser) await browser.close().catch(() => {});
  if (server.exitCode === null) {
    server.kill('SIGTERM');
    await Promise.race([
      new Promise((resolve) => server.once('exit', resolve)),
      new Promise((resolve) => setTimeout(resolve, 10_000)),
    ]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  rmSync(work, { recursive: true, force: true });
}

async function main() {
  const ports = await waitFor('timebankd to be ready', () => {
    if (server.exitCode !== null) throw new Error('timebankd exited:\n' + readFileSync(logFile, 'utf8'));
    if (!existsSync(readyFile)) return null;
    const lines = readFileSync(readyFile, 'utf8').split('\n');
    return lines.length >= 3 ? lines.slice(0, 2).map(Number) : null;
  });
  const [grpcPort, httpPort] = ports;
  const origin = `http://127.0.0.1:${httpPort}`;
  const adminToken = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();

  // The demo timebank, seeded the way a newcomer would.
  await promisify(execFile)(CLI, ['demo'], {
    env: { ...process.env, TIMEBANK_SERVER: `127.0.0.1:${grpcPort}`,
      TIMEBANK_TOKEN_FILE: join(dataDir, 'admin.token') },
    timeout: 60_000,
  });

  async function api(token, method, path, body) {
    const response = await fetch(origin + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json();
    assert.equal(response.status, 200, `${method} ${path}: ${JSON.stringify(data)}`);
    return data;
  }
  const tb = 'riverside';
  const balanceOf = async (account) => {
    const b = await api(adminToken, 'GET', `/v1/timebanks/${tb}/accounts/${account}/balance`);
    return { given: Number(b.minutes_given), received: Number(b.minutes_received) };
  };
  const tokenFor = async (role, account, name) => (await api(adminToken, 'POST', '/v1/tokens', {
    role, timebank_ids: [tb], account_id: account, name,
  })).token;
  const kathyToken = await tokenFor('ROLE_MEMBER', 'kathy', 'kathy-phone');
  const veraToken = await tokenFor('ROLE_MEMBER', 'vera', 'vera-phone');
  const coordinatorToken = await tokenFor('ROLE_COORDINATOR', '', 'riverside-coordinator');

  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'],
  });
  const problems = [];
  const phone = async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Error answers of the API are checked on the page itself (the failed
      // log below is a 404 on purpose); anything else, such as a
      // Content-Security-Policy refusal, is a problem.
      const text = message.text();
      if (message.type() === 'error' && !text.startsWith('Failed to load resource: the server responded')) {
        problems.push(`console: ${text}`);
      }
    });
    return page;
  };
  const sentence = (who, b) =>
    `${who} gave ${hoursAndMinutes(b.given)} · ${who} received ${hoursAndMinutes(b.received)}`;

  // ---- Kathy signs in with her code, using the keyboard only.
  const kathyBefore = await balanceOf('kathy');
  const veraBefore = await balanceOf('vera');
  const kathy = await phone();
  await kathy.goto(origin + '/');
  await kathy.getByLabel('Your sign-in code').focus();
  await kathy.keyboard.type(kathyToken);
  await kathy.keyboard.press('Enter');
  await kathy.locator('#balance-sentence').filter({ hasText: sentence('You', kathyBefore) }).waitFor();
  assert.equal(await kathy.locator('#timebank-name').textContent(), 'Riverside Timebank');
  assert.match(await kathy.locator('#who').textContent(), /Kathy B\./);
  assert.equal(await kathy.locator('#chart svg rect.bar-given').count(), 12);
  assert.ok(await kathy.locator('#statement li').count() > 0, 'the statement lists exchanges');

  // ---- She logs an hour and a half of gardening she gave Vera.
  await kathy.getByLabel('I gave time').check();
  await kathy.getByLabel('Who with? (their member id)').fill('vera');
  await kathy.getByLabel('Hours', { exact: true }).fill('1');
  await kathy.getByLabel('Minutes', { exact: true }).fill('30');
  await kathy.getByLabel('Kind of work').fill('gardening');
  await kathy.getByLabel('What was done (optional)').fill('Planted spring bulbs');
  await kathy.getByRole('button', { name: 'Log it' }).click();
  await kathy.locator('#status').filter({ hasText: 'Logged: You gave Vera' }).waitFor();
  await kathy.locator('#logged li').filter({ hasText: 'Planted spring bulbs' }).waitFor();
  assert.deepEqual(await balanceOf('kathy'), kathyBefore, 'a pending exchange does not count');

  // A mistake gets a message that names what is wrong, and changes nothing.
  await kathy.getByLabel('Who with? (their member id)').fill('nobody-here');
  await kathy.getByLabel('Hours', { exact: true }).fill('1');
  await kathy.getByLabel('Kind of work').fill('gardening');
  await kathy.getByRole('button', { name: 'Log it' }).click();
  await kathy.locator('#log-problem').filter({ hasText: 'Who with: ' }).filter({ hasText: 'receiver_id' }).waitFor();
  assert.equal(await kathy.getByLabel('Who with? (their member id)').getAttribute('aria-invalid'), 'true');

  // ---- Vera opens her sign-in link and confirms it. Members see each other
  // by account id: only coordinators read other members' names.
  const vera = await phone();
  await vera.goto(`${origin}/#token=${encodeURIComponent(veraToken)}`);
  await vera.locator('#balance-sentence').filter({ hasText: sentence('You', veraBefore) }).waitFor();
  assert.equal(new URL(vera.url()).hash, '', 'the sign-in code leaves the address bar');
  const waiting = vera.locator('#waiting li').filter({ hasText: 'Planted spring bulbs' });
  await waiting.filter({ hasText: 'kathy gave you 1 h 30 m of gardening' }).waitFor();
  await waiting.getByRole('button', { name: 'Yes, confirm' }).click();
  await vera.locator('#status').filter({ hasText: 'Confirmed:' }).waitFor();
  const veraAfter = { given: veraBefore.given, received: veraBefore.received + 90 };
  await vera.locator('#balance-sentence').filter({ hasText: sentence('You', veraAfter) }).waitFor();
  assert.deepEqual(await balanceOf('vera'), veraAfter);

  // ---- Kathy comes back to the page and sees her new balance.
  const kathyAfter = { given: kathyBefore.given + 90, received: kathyBefore.received };
  await kathy.reload();
  await kathy.locator('#balance-sentence').filter({ hasText: sentence('You', kathyAfter) }).waitFor();
  await kathy.locator('#statement li').first().filter({ hasText: 'Gave 1 h 30 m' }).waitFor();
  assert.equal(await kathy.locator('#logged li').filter({ hasText: 'Planted spring bulbs' }).count(), 0);
  // The top of the page as a phone shows it while scrolling, and all of it.
  await kathy.screenshot({ path: join(ARTIFACTS, 'member-page.png'), fullPage: true,
    clip: { x: 0, y: 0, width: 390, height: 1500 } });
  await kathy.screenshot({ path: join(ARTIFACTS, 'member-page-full.png'), fullPage: true });

  // ---- A coordinator looks at Kathy and records a confirmed exchange.
  const coordinator = await phone();
  await coordinator.goto(`${origin}/#token=${encodeURIComponent(coordinatorToken)}`);
  await coordinator.getByLabel('Member', { exact: true }).selectOption('kathy');
  await coordinator.locator('#balance-sentence')
    .filter({ hasText: sentence('Kathy B.', kathyAfter) }).waitFor();
  await coordinator.getByLabel('Who gave').selectOption('vera');
  await coordinator.getByLabel('Who received').selectOption('kathy');
  // The page refreshes (here: Kathy chosen again) while the form is being
  // filled in; what the coordinator chose stays chosen.
  const refreshed = coordinator.waitForResponse((r) => r.url().endsWith('/accounts/kathy/balance'));
  await coordinator.getByLabel('Member', { exact: true }).selectOption('kathy');
  await refreshed;
  await coordinator.locator('#main[aria-busy="false"]').waitFor();
  assert.equal(await coordinator.getByLabel('Who gave').inputValue(), 'vera');
  assert.equal(await coordinator.getByLabel('Who received').inputValue(), 'kathy');
  await coordinator.getByLabel('Minutes', { exact: true }).fill('45');
  await coordinator.getByLabel('Kind of work').fill('it-help');
  await coordinator.getByRole('button', { name: 'Log it' }).click();
  await coordinator.locator('#status').filter({ hasText: 'It counts now.' }).waitFor();
  const kathyLast = { given: kathyAfter.given, received: kathyAfter.received + 45 };
  await coordinator.locator('#balance-sentence')
    .filter({ hasText: sentence('Kathy B.', kathyLast) }).waitFor();
  assert.deepEqual(await balanceOf('kathy'), kathyLast);
  await coordinator.screenshot({ path: join(ARTIFACTS, 'coordinator-page.png'), fullPage: true,
    clip: { x: 0, y: 0, width: 390, height: 1500 } });

  // ---- Signing out forgets the code.
  await kathy.getByRole('button', { name: 'Sign out' }).click();
  await kathy.getByLabel('Your sign-in code').waitFor();
  await kathy.reload();
  await kathy.getByLabel('Your sign-in code').waitFor();

  assert.deepEqual(problems, [], 'no script errors and no Content-Security-Policy violations');
}

const started = Date.now();
mkdirSync(ARTIFACTS, { recursive: true });
try {
  await main();
  console.log(`member page: all steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
    `screenshots in ${ARTIFACTS}`);
  await stopEverything();
} catch (error) {
  console.error(error);
  if (existsSync(logFile)) console.error('--- server log (tail)\n' + readFileSync(logFile, 'utf8').slice(-3000));
  await stopEverything();
  process.exit(1);
}
