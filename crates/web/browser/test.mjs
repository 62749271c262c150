// Browser tests of `starl serve` in real headless Chromium (Debian's), driven by playwright-core.
// The server is started by ./run, which passes its address in STARL_URL and the screenshot
// folder in SCREENSHOTS. Every step leaves a screenshot there: look at them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.STARL_URL || 'http://127.0.0.1:7373';
const SHOTS = process.env.SCREENSHOTS || 'screenshots';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
mkdirSync(SHOTS, { recursive: true });

let browser;
let profile;
let step = 0;

before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'starl-chromium-'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    // playwright gives every launch a fresh, temporary --user-data-dir (it refuses one in args);
    // its downloads and traces go to our own temporary folder.
    downloadsPath: profile,
    tracesDir: profile,
  });
});

after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function newPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.errors = errors;
  return page;
}

// Run `fn` on a fresh page; on failure keep a screenshot of where it stopped.
async function withPage(name, viewport, fn) {
  const page = await newPage(viewport);
  try {
    await fn(page);
    assert.deepEqual(page.errors, [], 'no script errors');
  } catch (e) {
    await shot(page, `FAILED-${name}`).catch(() => {});
    throw e;
  } finally {
    await page.context().close();
  }
}

async function shot(page, name) {
  step += 1;
  await page.screenshot({ path: join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
}

// Every form control has a label (the accessible name comes from a <label>, or aria-labelledby).
async function assertLabelled(page) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-labelledby') && !el.getAttribute('aria-label'))
      .map((el) => el.id || el.name || el.outerHTML.slice(0, 60)));
  assert.deepEqual(unlabelled, [], 'unlabelled form fields');
}

const BLAME = 'The launch slipped two weeks. The requirements kept changing and QA should have caught the rounding bug before release.';
const OWNED = 'The launch slipped two weeks. I owned the release plan and I did not check the rounding rules myself. ' +
  'That mistake was mine: I told my manager the same day, wrote the missing tests, and we shipped the fix in two days. ' +
  'Since then I review every money calculation with a test before release.';

async function ownership(page) {
  return Number(await page.locator('#theme-ownership-value').getAttribute('data-value'));
}

test('the editor underlines a blame-shifting sentence, and the underline goes when it is rewritten', () => withPage('editor', undefined, async (page) => {
  await page.goto(`${BASE}/editor`);
  await assertLabelled(page);
  await page.fill('#title', 'The rounding bug');
  await page.click('#body');
  await page.keyboard.type(BLAME, { delay: 2 });
  const flag = page.locator('#backdrop mark.flag[data-rule="blame-shifting"]').first();
  await flag.waitFor({ state: 'attached', timeout: 5000 });
  assert.match(await flag.textContent(), /requirements kept changing|QA should have caught/);
  const before = await ownership(page);
  // The mirrored backdrop holds exactly the textarea's text, wrapped the same way.
  const mirror = await page.evaluate(() => {
    const ta = document.getElementById('body');
    const bd = document.getElementById('backdrop');
    return { same: bd.textContent.replace(/\n\u200b$/, '') === ta.value, ta: ta.clientHeight, bd: bd.scrollHeight };
  });
  assert.ok(mirror.same, 'backdrop text equals the textarea text');
  assert.ok(Math.abs(mirror.ta - mirror.bd) <= 4, `same height: textarea ${mirror.ta}, backdrop ${mirror.bd}`);
  // The mark sits on the words: it is inside the textarea's box, and visible.
  const box = await flag.boundingBox();
  const area = await page.locator('#body').boundingBox();
  assert.ok(box && box.width > 20 && box.x >= area.x && box.y >= area.y && box.y + box.height <= area.y + area.height);
  // Pointing at the underline shows the tooltip: rule, what the interviewer hears, what to say.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const tip = page.locator('#tip');
  await tip.waitFor({ state: 'visible' });
  assert.match(await tip.textContent(), /blame-shifting/);
  assert.match(await tip.textContent(), /An interviewer hears/);
  assert.match(await tip.textContent(), /Say instead/);
  await shot(page, 'editor-blame-underlined');
  // The keyboard gets there too: the caret inside the flagged words shows the same tooltip.
  await page.mouse.move(5, 5);
  const inside = BLAME.indexOf('kept changing') + 2;
  await page.focus('#body');
  await page.evaluate((i) => document.getElementById('body').setSelectionRange(i, i), inside);
  await page.keyboard.press('ArrowRight');
  await tip.waitFor({ state: 'visible' });
  assert.match(await tip.textContent(), /blame-shifting/);
  await shot(page, 'editor-caret-tooltip');
  // Typing in the middle keeps the caret where it is (the textarea is never rewritten).
  await page.keyboard.type('XY');
  const caret = await page.evaluate(() => document.getElementById('body').selectionStart);
  assert.equal(caret, inside + 3);
  assert.equal((await page.inputValue('#body')).slice(inside + 1, inside + 3), 'XY');

  // Rewrite it with ownership.
  await page.fill('#body', '');
  await page.click('#body');
  await page.keyboard.type(OWNED, { delay: 1 });
  await page.waitForFunction(
    (b) => !document.querySelector('#backdrop mark.flag[data-rule="blame-shifting"]') &&
      document.querySelector('#backdrop mark.strength') &&
      Number(document.getElementById('theme-ownership-value').dataset.value) > b &&
      document.getElementById('body').value.endsWith('before release.'),
    before, { timeout: 5000 });
  const afterScore = await ownership(page);
  assert.ok(afterScore > before, `ownership rose: ${before} -> ${afterScore}`);
  assert.equal(await page.locator('#backdrop mark.flag[data-rule="blame-shifting"]').count(), 0);
  assert.ok(await page.locator('#backdrop mark.strength').count() > 0, 'strengths are marked');
  await shot(page, 'editor-rewritten');
  // Save it.
  await page.click('#save');
  await page.waitForFunction(() => /Saved/.test(document.getElementById('save-status').textContent));
  assert.match(page.url(), /\/stories\/\d+$/);
  await shot(page, 'editor-saved');
}));

const ENTRY = {
  title: 'Stale prices from my cache',
  what_happened: "I built the caching layer for our online bookshop's catalogue, and I picked a 12-hour TTL because I assumed prices changed at most once a day.",
  my_part: 'I owned the cache and its invalidation.',
  what_i_did: 'During a weekend promotion, about 8% of book pages kept showing the old price for five hours. That assumption was mine and I never checked it with the pricing team. I told my manager and the support lead within the hour, switched the cache to invalidate on every price event that evening, and helped support answer around 300 tickets.',
  impact: 'We honoured the lower price for 212 orders, which cost about $1,900.',
  learned: 'I learned to ask data owners how often their data really changes before I choose a cache policy. Since then I have added a staleness alarm to every cache I run, and it has caught two similar problems before customers saw them.',
};

test('an entry becomes a story, marked ready it changes the bank', () => withPage('entry-story-bank', undefined, async (page) => {
  await page.goto(`${BASE}/bank`);
  const coveredBefore = await page.locator('#matrix tr.covered').count();
  await shot(page, 'bank-before');
  await page.goto(`${BASE}/journal/new`);
  await assertLabelled(page);
  // Keyboard only: Tab from the title through the fields.
  await page.focus('#e-title');
  await page.keyboard.type(ENTRY.title);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'e-happened');
  for (const [field, text] of Object.entries(ENTRY)) {
    if (field !== 'title') await page.fill(`#e-${field}`, text);
  }
  await page.selectOption('#e-category', 'technical');
  await page.fill('#e-tags', 'caching pricing');
  await shot(page, 'entry-form');
  await page.focus('#e-severity');
  await page.keyboard.type('3');
  await page.keyboard.press('Enter'); // submits the form
  await page.waitForURL(/\/journal\/\d+$/);
  await shot(page, 'entry-saved');
  await page.goto(`${BASE}/journal?search=cache`);
  assert.equal(await page.locator('#entries tbody tr').count(), 1);
  await page.goto(`${BASE}/journal?search=nothinglikethis`);
  assert.equal(await page.locator('#entries tbody tr').count(), 0);
  await page.goBack();
  await page.click('#entries a');
  await page.click('#to-story');
  await page.waitForURL(/\/stories\/\d+$/);
  await page.locator('#score[data-score]:not([data-score=""])').waitFor();
  assert.ok(Number(await page.locator('#score').getAttribute('data-score')) >= 70);
  await page.check('#ready');
  await page.waitForFunction(() => /ready for the bank/.test(document.getElementById('save-status').textContent));
  await shot(page, 'story-from-entry-ready');
  await page.goto(`${BASE}/bank`);
  const coveredAfter = await page.locator('#matrix tr.covered').count();
  assert.ok(coveredAfter > coveredBefore, `coverage ${coveredBefore} -> ${coveredAfter}`);
  assert.match(await page.locator('#matrix thead').textContent(), /Stale prices from my cache/);
  assert.ok(await page.locator('#checklist li[data-done="yes"]').count() >= 1);
  await shot(page, 'bank-after');
}));

test('a practice round with the countdown', () => withPage('practice', undefined, async (page) => {
  await page.goto(`${BASE}/practice`);
  await assertLabelled(page);
  assert.equal(await page.locator('#countdown').textContent(), '3:00');
  await page.selectOption('#question', 'failed');
  await page.click('#start');
  await page.waitForTimeout(2300);
  const left = await page.locator('#countdown').textContent();
  assert.match(left, /^2:5\d$/, `the clock runs: ${left}`);
  await shot(page, 'practice-countdown');
  await page.fill('#answer', OWNED);
  await page.click('#submit-answer');
  await page.locator('#feedback').waitFor({ state: 'visible' });
  assert.match(await page.locator('#fb-summary').textContent(), /Score \d+\/100/);
  await page.locator('#history-chart svg circle').first().waitFor();
  assert.match(await page.locator('#fb-summary').textContent(), /Pace \d+ words a minute/);
  await shot(page, 'practice-feedback');
}));

test('the review page renders its charts', () => withPage('review', undefined, async (page) => {
  await page.goto(`${BASE}/review`);
  const charts = page.locator('.chart-box svg');
  assert.equal(await charts.count(), 3);
  for (let i = 0; i < 3; i++) {
    const b = await charts.nth(i).boundingBox();
    assert.ok(b && b.width > 100 && b.height > 15, `chart ${i} has a size: ${JSON.stringify(b)}`);
  }
  assert.ok(await page.locator('.chart-box svg rect').count() >= 3, 'bars are drawn');
  await shot(page, 'review');
}));

test('375 pixels wide: no sideways scrolling, the editor still works', () => withPage('phone', { width: 375, height: 812 }, async (page) => {
  for (const path of ['/', '/journal', '/journal/new', '/bank', '/practice', '/review', '/editor']) {
    await page.goto(`${BASE}${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `${path} is ${width}px wide`);
  }
  await page.fill('#title', 'Phone draft');
  await page.click('#body');
  await page.keyboard.type(BLAME, { delay: 1 });
  await page.locator('#backdrop mark.flag[data-rule="blame-shifting"]').first().waitFor({ state: 'attached' });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `editor is ${width}px wide`);
  await shot(page, 'phone-editor');
  await page.goto(`${BASE}/bank`);
  await shot(page, 'phone-bank');
}));
