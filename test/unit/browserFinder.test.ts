import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { browserCandidates, findBrowser } from '../support/browser';

/** test/support/browser.ts: which browser the browser tests drive, on any machine. */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'browser-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('an override variable wins, and a wrong one is an error rather than another browser', () => {
  const exe = join(dir, 'my-chrome');
  writeFileSync(exe, '');
  expect(findBrowser({ BROWSER_PATH: exe, PATH: '' }, 'linux')).toBe(exe);
  expect(findBrowser({ CHROME_PATH: exe, PATH: '' }, 'linux')).toBe(exe);
  expect(() => findBrowser({ BROWSER_PATH: join(dir, 'missing'), PATH: '' }, 'linux')).toThrow(/BROWSER_PATH=.*missing does not exist/);
});

test('finds a browser command on PATH when no usual location holds one', () => {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'google-chrome'), '');
  const candidates = browserCandidates({ PATH: bin }, 'linux');
  expect(candidates.indexOf('/usr/bin/chromium')).toBeLessThan(candidates.indexOf(join(bin, 'google-chrome')));
  const found = findBrowser({ PATH: bin }, 'linux');
  // A usual location wins if this machine has one; otherwise the PATH command.
  expect([join(bin, 'google-chrome'), ...candidates.slice(0, 9)]).toContain(found);
});

test('knows the macOS and Windows install locations of Chrome, Chromium and Edge', () => {
  expect(browserCandidates({}, 'darwin')).toContain('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
  expect(browserCandidates({}, 'darwin')).toContain('/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge');
  const win = browserCandidates({ PROGRAMFILES: 'C:\\Program Files', 'PROGRAMFILES(X86)': 'C:\\Program Files (x86)' }, 'win32');
  expect(win.some((p) => p.includes('Google') && p.endsWith('chrome.exe'))).toBe(true);
  expect(win.some((p) => p.includes('Microsoft') && p.endsWith('msedge.exe'))).toBe(true);
});

test('says what to do when there is none', () => {
  expect(() => findBrowser({ PATH: join(dir, 'empty') }, 'darwin')).toThrow(/No Chromium, Chrome or Edge found.*BROWSER_PATH/s);
});
