// The interactive history view (nicraft check --html) in a real headless browser: Debian's
// Chromium driven by playwright-core. Hover shows the states, tabs switch keys, the
// counterexample is highlighted, the event log is on the time axis, nothing is fetched.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck, type JsonHistory } from '../../verify/check/index.js';

const CHROMIUM = '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'nicraft-view-'));

// key "a": put 1, put 2, then a read of 1 (stale): not linearizable. key "b": linearizable.
const history: JsonHistory = {
  model: 'kv',
  ops: [
    { process: 0, op: 'put', key: 'a', value: '1', invokeNs: 1000, returnNs: 1200, status: 'ok' },
    { process: 1, op: 'put', key: 'b', value: 'x', invokeNs: 1100, returnNs: 1300, status: 'ok' },
    { process: 0, op: 'put', key: 'a', value: '2', invokeNs: 1400, returnNs: 1600, status: 'ok' },
    { process: 1, op: 'get', key: 'b', invokeNs: 1500, returnNs: 1700, status: 'ok', output: 'x' },
    { process: 2, op: 'get', key: 'a', invokeNs: 1800, returnNs: 2000, status: 'ok', output: '1' },
    { process: 1, op: 'put', key: 'b', value: 'y', invokeNs: 1900, returnNs: 2100, status: 'info' },
  ],
};
// cycles at 250 MHz: 4 ns each
const events = ['# nicraft event log', '250 n1: leader term=1', '375 n1 crashed (fault; NIC reset)', '450 plane 1 down', '480 n2: candidate term=2'];

let browser: Browser;
let page: Page;
const requests: string[] = [];
const errors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (make deps)`);
  const hist = join(dir, 'h.json');
  writeFileSync(hist, JSON.stringify(history));
  const ev = join(dir, 'events.log');
  writeFileSync(ev, events.join('\n') + '\n');
  const html = join(dir, 'view.html');
  const err: string[] = [];
  const code = await runCheck([hist], { html, events: ev }, { out: () => {}, err: (s) => err.push(s) });
  expect(code).toBe(1);
  expect(err).toContain(`wrote ${html}`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto('file://' + html);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const tab = (key: string) => page.locator(`#tabs .tab[data-key="${key}"]`);
const op = (label: string) => page.locator(`#canvas g.op[data-label=${JSON.stringify(label)}]`);
const bar = (label: string) => op(label).locator('rect.bar');

describe('nicraft check --html in Chromium', () => {
  it('is one self-contained file: nothing but itself is loaded, no script errors', () => {
    expect(requests).toEqual([expect.stringMatching(/^file:\/\/.*view\.html$/)]);
    expect(errors).toEqual([]);
    const text = readFileSync(join(dir, 'view.html'), 'utf8');
    expect(text).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/);
  });

  it('opens on the failing key, marked, with the verdict', async () => {
    await expect(page.locator('#verdict').textContent()).resolves.toBe('not linearizable');
    await expect(tab('a').getAttribute('class')).resolves.toMatch(/\bactive\b.*|\bfailing\b/);
    expect(await tab('a').getAttribute('class')).toContain('failing');
    expect(await tab('a').getAttribute('class')).toContain('active');
    expect(await tab('b').getAttribute('class')).not.toContain('failing');
  });

  it('highlights the counterexample: the stale read, with its reason', async () => {
    const red = page.locator('#canvas g.op.counterexample');
    await expect(red.count()).resolves.toBe(1);
    await expect(red.getAttribute('data-label')).resolves.toBe('get a→1');
    await red.locator('rect.bar').hover();
    const tip = await page.locator('#tooltip').textContent();
    expect(tip).toContain('COUNTEREXAMPLE: cannot be placed next: read returned 1 but key holds 2');
  });

  it('hovering an operation shows the state before and after it, and its partial linearization', async () => {
    await bar('put a=2').hover();
    await expect(page.locator('#tooltip').isVisible()).resolves.toBe(true);
    const tip = (await page.locator('#tooltip').textContent())!;
    expect(tip).toContain('p0 put a=2');
    expect(tip).toMatch(/line 1, 0\.40–0\.60 µs/);
    expect(tip).toContain('longest partial linearization containing it: #2 of 2 (of 3 ops)');
    expect(tip).toContain('state before: 1');
    expect(tip).toContain('state after:  2');
    // the linearization is numbered on the bars and listed with its states
    await expect(page.locator('#canvas g.badge').count()).resolves.toBe(2);
    const side = await page.locator('#side').textContent();
    expect(side).toContain('Partial linearization (2 of 3 ops)');
    expect(side).toContain('p0 put a=1   nil → 1');
    expect(side).toContain('p0 put a=2   1 → 2');
  });

  it('switches to another key: its own operations and full linearization', async () => {
    await page.mouse.move(5, 5);
    await tab('b').click();
    expect(await tab('b').getAttribute('class')).toContain('active');
    expect(await tab('a').getAttribute('class')).not.toContain('active');
    const labels = await page.locator('#canvas g.op').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-label')!));
    expect(labels).toHaveLength(3);
    expect(labels.join(' ')).not.toContain('a=');
    await expect(page.locator('#canvas g.op.counterexample').count()).resolves.toBe(0);
    await bar('get b→"x"').hover();
    const tip = (await page.locator('#tooltip').textContent())!;
    expect(tip).toMatch(/linearization: #2 of 3 \(of 3 ops\)/);
    expect(tip).toContain('state before: "x"');
    expect(tip).toContain('state after:  "x"');
    // the indeterminate put is dashed
    await expect(page.locator('#canvas g.op.indet').count()).resolves.toBe(1);
    await tab('a').click();
  });

  it('puts the event log on the time axis (elections, crashes, plane loss)', async () => {
    const kinds = await page.locator('#canvas g.event').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-kind')));
    expect(kinds.sort()).toEqual(['campaign', 'crash', 'election', 'plane']);
    const crash = page.locator('#canvas g.event.crash rect.hit');
    await crash.hover({ position: { x: 4, y: 3 } });
    const tip = (await page.locator('#tooltip').textContent())!;
    expect(tip).toContain('375 n1 crashed (fault; NIC reset)');
    expect(tip).toContain('0.50 µs');
    // the crash (1500 ns) is drawn between the operations at 1400 and 1600 ns
    const x = async (sel: string) => Number(await page.locator(sel).first().getAttribute('x1'));
    const put2 = bar('put a=2');
    const left = Number(await put2.getAttribute('x'));
    const right = left + Number(await put2.getAttribute('width'));
    const cx = await x('#canvas g.event.crash line');
    expect(cx).toBeGreaterThan(left);
    expect(cx).toBeLessThan(right);
    // a kind can be hidden
    await page.locator('#legend input[data-kind="crash"]').uncheck();
    await expect(page.locator('#canvas g.event.crash').isVisible()).resolves.toBe(false);
    expect(errors).toEqual([]);
  });
});
