// The member page end to end, in Debian's chromium driven by playwright-core:
// a real timebankd with --http-listen, seeded by `timebank demo`. Kathy signs
// in with her code and sees her balance; she finds Vera by name and logs an
// exchange with her; mistakes get plain words; Vera opens her sign-in link,
// confirms it, and both balances change; a coordinator looks at Kathy and
// records a back-dated exchange; Kathy's statement is by date, readable at
// 375 px and 1280 px, and prints. Screenshots (and the printed statement as
// a PDF) go to $TIMEBANK_ARTIFACT_DIR.
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
  const open = async (width, height) => {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Error answers of the API are checked on the page itself (the failed
      // logs below are refused on purpose); anything else, such as a
      // Content-Security-Policy refusal, is a problem.
      const text = message.text();
      if (message.type() === 'error' && !text.startsWith('Failed to load resource: the server responded')) {
        problems.push(`console: ${text}`);
      }
    });
    return page;
  };
  const phone = () => open(375, 812);
  const desktop = () => open(1280, 900);
  // The net balance in a sentence, as the page must put it first.
  const net = (who, b) => {
    const diff = b.given - b.received;
    const has = who === 'You' ? 'You have' : `${who} has`;
    const other = who === 'You' ? 'you' : 'they';
    if (diff > 0) return `${has} given ${hoursAndMinutes(diff)} more than ${other} received.`;
    if (diff < 0) return `${has} received ${hoursAndMinutes(diff)} more than ${other} gave.`;
    return `${has} given as much as ${other} received.`;
  };
  const signed = (minutes) => (minutes > 0 ? '+' : minutes < 0 ? '-' : '') + hoursAndMinutes(minutes);
  const showsBalance = async (page, who, b) => {
    await page.locator('#balance-net').filter({ hasText: net(who, b) }).waitFor();
    assert.equal(await page.locator('#given').textContent(), hoursAndMinutes(b.given));
    assert.equal(await page.locator('#received').textContent(), hoursAndMinutes(b.received));
    // The net comes first, right under the heading; the two totals are said
    // once, in the figures, not again in a sentence.
    assert.equal(await page.locator('#balance-title + p').getAttribute('id'), 'balance-net');
    assert.equal(await page.locator('#balance-title ~ p').count(), 2, 'the net and one note');
  };
  const fitsTheWidth = async (page, what) => {
    const [scroll, width] = await page.evaluate(() =>
      [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= width, `${what}: the page is ${scroll} px wide in a ${width} px window`);
  };
  const noFieldNames = (text) => assert.doesNotMatch(text, /_id\b|occurred_on|minutes:|\(\w+_\w+\)/,
    `words for people name no fields: ${text}`);
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const datePattern = /^(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4})/;
  // "3 Dec 2026 · ..." -> "2026-12-03", so dates compare as text.
  const isoOf = (text) => {
    const [, d, m, y] = datePattern.exec(text);
    return `${y}-${String(MONTHS.indexOf(m) + 1).padStart(2, '0')}-${d.padStart(2, '0')}`;
  };

  // ---- Kathy signs in with her code, using the keyboard only.
  const kathyBefore = await balanceOf('kathy');
  const veraBefore = await balanceOf('vera');
  const kathy = await phone();
  await kathy.goto(origin + '/');
  await kathy.getByLabel('Your sign-in code').focus();
  await kathy.keyboard.type(kathyToken);
  await kathy.keyboard.press('Enter');
  await showsBalance(kathy, 'You', kathyBefore);
  assert.equal(await kathy.locator('#timebank-name').textContent(), 'Riverside Timebank');
  assert.match(await kathy.locator('#who').textContent(), /Signed in as Kathy B\./);
  assert.equal(await kathy.locator('#chart svg rect.bar-given').count(), 12);
  assert.ok(await kathy.locator('#statement li').count() > 0, 'the statement lists exchanges');

  // The chart's months carry their year and stay readable on a phone: no
  // two labels overlap and none is smaller than 10 px.
  const years = await kathy.locator('#chart svg text.year').allTextContents();
  assert.equal(years.length, 12);
  for (const year of years) assert.match(year, /^’\d\d$/);
  assert.match((await kathy.locator('#chart-table tbody tr td').first().textContent()), /^[A-Z][a-z]{2} \d{4}$/);
  const labels = await kathy.locator('#chart svg text:not(.year)').evaluateAll((texts) =>
    texts.slice(1).map((t) => { const r = t.getBoundingClientRect(); return [r.left, r.right, r.height]; }));
  assert.equal(labels.length, 12);
  labels.forEach(([left, , height], i) => {
    assert.ok(height >= 10, `month label ${i} is ${height} px high`);
    if (i > 0) assert.ok(left >= labels[i - 1][1], `month labels ${i - 1} and ${i} overlap`);
  });

  // ---- She logs an hour and a half of gardening she gave Vera, finding
  // Vera by name: no ids to type.
  await kathy.getByLabel('I gave time').check();
  await kathy.getByLabel('Who with? Type their name').fill('vera');
  await kathy.locator('#partner-matches').getByRole('button', { name: 'Vera O.' }).click();
  await kathy.locator('#partner-chosen').filter({ hasText: 'With Vera O.' }).waitFor();
  await kathy.getByLabel('Hours', { exact: true }).fill('1');
  await kathy.getByLabel('Minutes', { exact: true }).fill('30');
  await kathy.getByLabel('Kind of work').fill('gardening');
  await kathy.getByLabel('What was done (optional)').fill('Planted spring bulbs');
  await kathy.getByRole('button', { name: 'Log it' }).click();
  await kathy.locator('#status').filter({ hasText: 'Logged: You gave Vera O. 1 h 30 m of gardening' }).waitFor();
  await kathy.locator('#logged li').filter({ hasText: 'Planted spring bulbs' })
    .filter({ hasText: 'Waiting for Vera O. to confirm.' }).waitFor();
  assert.deepEqual(await balanceOf('kathy'), kathyBefore, 'a pending exchange does not count');

  // Mistakes get plain words that say what to do, and change nothing.
  const journalBefore = (await api(adminToken, 'GET', `/v1/timebanks/${tb}`)).last_seq;
  const refused = async (expected) => {
    await kathy.getByRole('button', { name: 'Log it' }).click();
    const box = kathy.locator('#log-problem').filter({ hasText: expected });
    await box.waitFor();
    noFieldNames(await box.textContent());
  };
  await kathy.getByLabel('Who with? Type their name').fill('nobody-here');
  await kathy.locator('#partner-chosen').filter({ hasText: 'No member of this timebank is called “nobody-here”.' }).waitFor();
  await kathy.getByLabel('Hours', { exact: true }).fill('1');
  await kathy.getByLabel('Kind of work').fill('gardening');
  await refused('Who with: choose the person from the names under the box.');
  assert.equal(await kathy.getByLabel('Who with? Type their name').getAttribute('aria-invalid'), 'true');
  await kathy.getByLabel('Who with? Type their name').fill('Vera O.');
  await kathy.locator('#partner-matches').getByRole('button', { name: 'Vera O.' }).waitFor();
  await kathy.getByLabel('Hours', { exact: true }).fill('25');
  await refused('One exchange can be at most 24 hours.');
  await kathy.getByLabel('Hours', { exact: true }).fill('1');
  const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  await kathy.getByLabel('When').fill(tomorrow);
  await refused('The date can’t be later than today.');
  assert.equal((await api(adminToken, 'GET', `/v1/timebanks/${tb}`)).last_seq, journalBefore,
    'refused logs record nothing');
  await kathy.getByLabel('When').fill(new Date().toISOString().slice(0, 10));

  // ---- Vera opens her sign-in link and confirms it; she sees Kathy by name.
  const vera = await phone();
  await vera.goto(`${origin}/#token=${encodeURIComponent(veraToken)}`);
  await showsBalance(vera, 'You', veraBefore);
  assert.equal(new URL(vera.url()).hash, '', 'the sign-in code leaves the address bar');
  const waiting = vera.locator('#waiting li').filter({ hasText: 'Planted spring bulbs' });
  await waiting.filter({ hasText: 'Kathy B. gave you 1 h 30 m of gardening' }).waitFor();
  await waiting.getByRole('button', { name: 'Yes, confirm' }).click();
  await vera.locator('#status').filter({ hasText: 'Confirmed: Kathy B. gave you' }).waitFor();
  const veraAfter = { given: veraBefore.given, received: veraBefore.received + 90 };
  await showsBalance(vera, 'You', veraAfter);
  assert.deepEqual(await balanceOf('vera'), veraAfter);

  // ---- A coordinator looks at Kathy and records a confirmed exchange,
  // dated three weeks back: it takes its place in her statement by date.
  const kathyAfter = { given: kathyBefore.given + 90, received: kathyBefore.received };
  const coordinator = await phone();
  await coordinator.goto(`${origin}/#token=${encodeURIComponent(coordinatorToken)}`);
  await coordinator.getByLabel('Member', { exact: true }).selectOption('kathy');
  await showsBalance(coordinator, 'Kathy B.', kathyAfter);
  // The same person on both sides gets plain words too.
  await coordinator.getByLabel('Who gave').selectOption('kathy');
  await coordinator.getByLabel('Who received').selectOption('kathy');
  await coordinator.getByLabel('Minutes', { exact: true }).fill('45');
  await coordinator.getByLabel('Kind of work').fill('it-help');
  await coordinator.getByRole('button', { name: 'Log it' }).click();
  const twice = coordinator.locator('#log-problem')
    .filter({ hasText: 'Who gave and who received must be two different people.' });
  await twice.waitFor();
  noFieldNames(await twice.textContent());
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
  const threeWeeksAgo = new Date(Date.now() - 21 * 86_400_000).toISOString().slice(0, 10);
  await coordinator.getByLabel('When').fill(threeWeeksAgo);
  await coordinator.getByRole('button', { name: 'Log it' }).click();
  await coordinator.locator('#status').filter({ hasText: 'It counts now.' }).waitFor();
  const kathyLast = { given: kathyAfter.given, received: kathyAfter.received + 45 };
  await showsBalance(coordinator, 'Kathy B.', kathyLast);
  assert.deepEqual(await balanceOf('kathy'), kathyLast);
  await coordinator.screenshot({ path: join(ARTIFACTS, 'coordinator-page-375.png'), fullPage: true });

  // ---- Kathy comes back: her new balance, and the statement by date with
  // names, "Gave 1 h 30 m to Vera O." first, the back-dated one in its place.
  await kathy.reload();
  await showsBalance(kathy, 'You', kathyLast);
  await kathy.locator('#statement li').first().filter({ hasText: 'Gave 1 h 30 m to Vera O.' }).waitFor();
  if (await kathy.locator('#statement-more').isVisible()) await kathy.locator('#statement-more').click();
  const metas = await kathy.locator('#statement li .meta').allTextContents();
  const days = metas.map((meta) => {
    assert.match(meta, datePattern);
    return isoOf(meta);
  });
  for (let i = 1; i < days.length; i++) {
    assert.ok(days[i] <= days[i - 1], `the statement is newest first by date: ${metas[i - 1]} / ${metas[i]}`);
  }
  const backDated = days.indexOf(threeWeeksAgo);
  assert.ok(backDated > 0, 'the exchange recorded last sits three weeks back, not first');
  assert.equal(await kathy.locator('#logged li').filter({ hasText: 'Planted spring bulbs' }).count(), 0);
  await fitsTheWidth(kathy, 'phone');

  // After sign-in the header stays in view while she scrolls.
  await kathy.locator('#statement-title').scrollIntoViewIfNeeded();
  await kathy.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const header = await kathy.getByRole('button', { name: 'Sign out' }).boundingBox();
  assert.ok(header && header.y >= 0 && header.y < 120, `Sign out stays in view: ${JSON.stringify(header)}`);
  assert.ok(await kathy.locator('#who').isVisible());
  await kathy.evaluate(() => window.scrollTo(0, 0));
  await kathy.screenshot({ path: join(ARTIFACTS, 'member-page-375.png'), fullPage: true });

  // ---- The same page at desktop width.
  const kathyWide = await desktop();
  await kathyWide.goto(`${origin}/#token=${encodeURIComponent(kathyToken)}`);
  await showsBalance(kathyWide, 'You', kathyLast);
  await fitsTheWidth(kathyWide, 'desktop');
  await kathyWide.screenshot({ path: join(ARTIFACTS, 'member-page-1280.png'), fullPage: true });

  // ---- "Print my statement": the statement `timebank statement` gives,
  // and nothing else, on paper.
  await kathyWide.evaluate(() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; });
  await kathyWide.getByRole('button', { name: 'Print my statement' }).click();
  await kathyWide.waitForFunction(() => window.printed === 1);
  await kathyWide.emulateMedia({ media: 'print' });
  assert.ok(await kathyWide.locator('#paper').isVisible());
  assert.ok(!(await kathyWide.locator('#main').isVisible()), 'only the statement is printed');
  assert.equal(await kathyWide.locator('#paper-title').textContent(), 'Statement for Kathy B.');
  const paperRows = await kathyWide.locator('#paper-table tbody tr').evaluateAll((rows) =>
    rows.map((row) => [...row.cells].map((cell) => cell.textContent)));
  assert.equal(paperRows[0][1], 'Opening balance');
  assert.equal(paperRows[0][6], signed(0));
  const closing = paperRows[paperRows.length - 1];
  assert.equal(closing[1], 'Closing balance');
  assert.equal(closing[6], signed(kathyLast.given - kathyLast.received));
  assert.equal(closing[4], hoursAndMinutes(kathyLast.given));
  const lines = paperRows.slice(1, -1);
  assert.ok(lines.some((row) => row[1] === 'Vera O.' && row[4] === '1 h 30 m'), JSON.stringify(lines));
  let running = 0;
  for (const row of lines) {
    assert.match(row[0], datePattern);
    const parse = (text) => (text ? Number((/(\d+) h/.exec(text) || [0, 0])[1]) * 60 +
      Number((/(\d+) m/.exec(text) || [0, 0])[1]) : 0);
    running += parse(row[4]) - parse(row[5]);
    assert.equal(row[6], signed(running), `running balance on ${row.join(' | ')}`);
  }
  // The screenshot first: making the PDF ends the print (afterprint).
  await kathyWide.screenshot({ path: join(ARTIFACTS, 'member-statement-print.png'), fullPage: true });
  await kathyWide.pdf({ path: join(ARTIFACTS, 'member-statement.pdf'), format: 'A4' });
  await kathyWide.emulateMedia({ media: 'screen' });

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
