import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Browser, chromium, type Page } from 'playwright-core';

import { findBrowser } from '../support/browser';
import { generatedCsv, vegaCsv } from '../support/datasets';
import { startTestHostWithSlowInputs, type TestHost } from '../support/localHost';
import { referenceCsvReport } from '../support/referenceCsvStats';
import { waitFor } from '../support/waitFor';

/**
 * The page served by the `ui` function, in a real headless Chromium, Chrome or Edge (playwright-core
 * driving the installed browser that test/support/browser.ts finds, or BROWSER_PATH), against the
 * local host on Azurite. A browser is required: without one these tests fail, they are not skipped.
 */
const artifacts = join(__dirname, '..', 'artifacts');

let host: TestHost;
let browser: Browser;
let dir: string;
/**
 * The host's worker reads job inputs through a proxy that passes them on at 8 MiB/s at most, so the
 * 32 MB job of the Cancel test runs for at least 4 s whatever the processor's speed (long enough to
 * be seen Running between the page's 1 s polls and canceled). The other tests' inputs are small.
 */
const inputReadBytesPerSecond = 8 * 1024 * 1024;

beforeAll(async () => {
  const executablePath = findBrowser();
  if (!existsSync(join(__dirname, '..', '..', 'dist', 'ui', 'app.js')))
    throw new Error('dist/ui/app.js is missing: run npm run build (it bundles the page with scripts/buildUi.js).');
  dir = mkdtempSync(join(tmpdir(), 'job-ui-'));
  [host, browser] = await Promise.all([
    startTestHostWithSlowInputs(inputReadBytesPerSecond, { JOBS_RETRY_AFTER_SECONDS: '1', JOBS_PROGRESS_INTERVAL_MS: '200' }),
    chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens the page; collects uncaught page errors and the traceparent of every job API request. */
async function openPage(): Promise<{ page: Page; errors: string[]; traceparents: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const traceparents: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (r.url().startsWith(`${host.baseUrl}/api/jobs`)) traceparents.push(r.headers().traceparent ?? '');
  });
  const res = await page.goto(`${host.baseUrl}/api/ui`);
  expect(res?.status()).toBe(200);
  return { page, errors, traceparents };
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();

test('GET /api/ui serves the page and its script with their content types; any other path is a 404 problem', async () => {
  const html = await fetch(`${host.baseUrl}/api/ui`);
  expect(html.status).toBe(200);
  expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await html.text()).toContain('<progress id="progress"');
  const js = await fetch(`${host.baseUrl}/api/ui/app.js`);
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(await js.text()).toContain('traceparent');
  for (const path of ['index.html', 'app.js.map', 'nope', '..%2F..%2Fhost.json', '%2e%2e%2fsrc%2ffunctions%2fui.js', 'app.js/x']) {
    const res = await fetch(`${host.baseUrl}/api/ui/${path}`);
    expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 404, 'application/problem+json']);
  }
});

test('upload seattle-weather.csv: the progress bar reaches 100 %, then the report table, charts and the SAS download link', async () => {
  const csv = vegaCsv('seattle-weather.csv');
  const expected = referenceCsvReport(csv.toString('utf8'));
  const path = join(dir, 'seattle-weather.csv');
  writeFileSync(path, csv);
  const { page, errors, traceparents } = await openPage();

  // Accessible names: the controls have labels, the progress text is a polite live region.
  await page.getByLabel('CSV file').setInputFiles(path);
  expect(await page.locator('#progress-text').getAttribute('aria-live')).toBe('polite');
  expect(await page.getByRole('progressbar', { name: 'Job progress' }).count()).toBe(1);
  await page.getByRole('button', { name: 'Create report' }).click();

  await page.waitForSelector('#progress[value="100"]', { timeout: 20_000 });
  await page.locator('#result').waitFor({ state: 'visible', timeout: 10_000 });
  expect(await text(page, '#progress-text')).toMatch(/^Done: 100 %, 1,461 rows in [\d.]+ s$/);
  expect(await text(page, '#summary')).toBe('seattle-weather.csv: 1,461 rows, 6 columns.');

  expect(await page.locator('#report-body tr').count()).toBe(expected.columns.length);
  for (const col of expected.columns) {
    const row = page.locator(`#report-body tr[data-column="${col.name}"]`);
    const cell = (field: string) => text(page, `#report-body tr[data-column="${col.name}"] [data-field="${field}"]`);
    expect([col.name, await cell('type'), await cell('count'), await cell('missing'), await cell('distinct')]).toEqual([
      col.name,
      col.type,
      String(col.count),
      String(col.missing),
      String(col.distinct),
    ]);
    if (typeof col.mean === 'number') {
      expect(Number(await cell('mean'))).toBe(Number(col.mean.toPrecision(6)));
      expect(Number(await cell('stddev'))).toBe(Number(col.stddev!.toPrecision(6)));
      expect(Number(await cell('max'))).toBe(col.max);
      expect(Number(await cell('q50'))).toBe(Number(col.q50!.toPrecision(6)));
      // The histogram: one bar per bin, and a text alternative listing every bin's count.
      const chart = row.locator('[data-field="chart"] svg[role="img"][data-chart="histogram"]');
      expect(await chart.count()).toBe(1);
      expect(await chart.locator('rect.bar-hist').count()).toBe(col.histogram!.counts.length);
      expect(col.histogram!.counts.length).toBeGreaterThan(1);
      expect(await chart.getAttribute('aria-label')).toBe(
        `${col.name}: histogram of ${col.histogram!.counts.length} bins from ${Number(col.histogram!.edges[0]!.toPrecision(6))} to ${Number(col.histogram!.edges.at(-1)!.toPrecision(6))}; ` +
          `counts ${col.histogram!.counts.map((n) => n.toLocaleString('en-US')).join(', ')}`,
      );
    } else if (col.type === 'string') {
      // The top values: one labelled bar per value, in order.
      const chart = row.locator('[data-field="chart"] svg[role="img"][data-chart="top"]');
      expect(await chart.locator('rect.bar-top').count()).toBe(col.top!.length);
      expect(await chart.locator('text.bar-text').allTextContents()).toEqual(
        col.top!.map((t) => `${t.value} (${t.count.toLocaleString('en-US')})`),
      );
      expect(await chart.getAttribute('aria-label')).toContain(
        `top values: ${col.top![0]!.value} ${col.top![0]!.count.toLocaleString('en-US')}`,
      );
    } else {
      expect(await row.locator('svg').count()).toBe(0);
    }
  }
  const precipitation = expected.columns.find((c) => c.name === 'precipitation')!;
  expect(await text(page, '#report-body tr[data-column="precipitation"] [data-field="mean"]')).toBe(
    String(Number(precipitation.mean!.toPrecision(6))),
  );

  const href = (await page.locator('#download').getAttribute('href'))!;
  const sas = new URL(href);
  expect(sas.pathname).toMatch(new RegExp(`/${host.settings.JOBS_CONTAINER_NAME}/[0-9a-f-]{36}/result-`));
  expect(sas.searchParams.get('sp')).toBe('r');
  expect(sas.searchParams.get('sig')).toBeTruthy();
  expect(sas.searchParams.get('se')).toBeTruthy();
  const downloaded = (await (await fetch(href)).json()) as { rows: number };
  expect(downloaded.rows).toBe(1461);

  // The page talks to the API through the typed client: every request carries one trace id.
  expect(traceparents.length).toBeGreaterThanOrEqual(2);
  expect(new Set(traceparents.map((t) => /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(t)?.[1])).size).toBe(1);
  expect(traceparents.every((t) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(t))).toBe(true);
  expect(errors).toEqual([]);

  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'ui.png'), fullPage: true });
  expect(existsSync(join(artifacts, 'ui.png'))).toBe(true);
  await page.close();
}, 45_000);

test('a malformed CSV shows the problem (422, job id, trace id) in an alert', async () => {
  const path = join(dir, 'bad.csv');
  writeFileSync(path, 'a,b\n1,2\n3,"unterminated\n');
  const { page, errors } = await openPage();
  await page.getByLabel('CSV file').setInputFiles(path);
  await page.getByRole('button', { name: 'Create report' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor({ state: 'visible', timeout: 20_000 });
  const message = (await alert.textContent()) ?? '';
  expect(message).toMatch(/^422 Unprocessable Content: .*(line|row)/i);
  expect(message).toMatch(/Job id: [0-9a-f-]{36}/);
  expect(message).toMatch(/Trace id: [0-9a-f]{32}/);
  expect(await text(page, '#progress-text')).toBe('Failed.');
  expect(await page.locator('#result').isVisible()).toBe(false);
  expect(errors).toEqual([]);
  await page.close();
}, 30_000);

test('Cancel stops a running job: the page says Canceled and the job reads Canceled', async () => {
  const path = join(dir, 'big.csv');
  writeFileSync(path, generatedCsv(32 * 1024 * 1024)); // at least 4 s through the throttled input read (above)
  const { page } = await openPage();
  let jobId: string | undefined;
  page.on('response', (r) => {
    if (r.request().method() === 'POST' && r.status() === 202 && /\/api\/jobs\/csv-report/.test(r.url())) {
      jobId = r.headers()['location']?.split('/').at(-1);
    }
  });
  await page.getByLabel('CSV file').setInputFiles(path);
  await page.getByRole('button', { name: 'Create report' }).click();
  await page.locator('#progress-text', { hasText: /^Running/ }).waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('#progress-text', { hasText: /^Canceled\.$/ }).waitFor({ timeout: 15_000 });
  expect(await page.getByRole('button', { name: 'Create report' }).isEnabled()).toBe(true);
  expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
  const status = await waitFor(
    'the job to end',
    async () => {
      const s = ((await (await fetch(`${host.baseUrl}/api/jobs/${jobId}?onComplete=status`)).json()) as { status: string }).status;
      return s !== 'NotStarted' && s !== 'Running' && s;
    },
    10_000,
    200,
  );
  expect(status).toBe('Canceled');
  await page.close();
}, 45_000);
