import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Finds a Chromium-based browser for the browser tests (playwright-core drives it; no browser
 * download). Order: an override variable (`BROWSER_PATH`, then `CHROME_PATH`, then `CHROMIUM_PATH`),
 * then the usual install locations of Chromium, Google Chrome and Microsoft Edge on this platform,
 * then those browsers' commands on PATH.
 *
 * @returns the executable's absolute path
 * @throws Error listing every place looked at when none exists (an override that points at a missing
 *   file is an error too, never silently replaced by another browser)
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  for (const name of ['BROWSER_PATH', 'CHROME_PATH', 'CHROMIUM_PATH']) {
    const value = env[name];
    if (value) {
      if (existsSync(value)) return value;
      throw new Error(`${name}=${value} does not exist: point it at a Chromium, Chrome or Edge executable.`);
    }
  }
  const candidates = browserCandidates(env, platform);
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  throw new Error(
    `No Chromium, Chrome or Edge found for the browser tests. Install one (Debian/Ubuntu: apt-get install -y chromium) ` +
      `or set BROWSER_PATH to its executable. Looked at:\n  ${candidates.join('\n  ')}`,
  );
}

/** The usual install locations on `platform`, then the browsers' commands on PATH. */
export function browserCandidates(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((r): r is string => Boolean(r));
    const rel = [
      'Google\\Chrome\\Application\\chrome.exe',
      'Microsoft\\Edge\\Application\\msedge.exe',
      'Chromium\\Application\\chrome.exe',
    ];
    return roots.flatMap((root) => rel.map((r) => join(root, r)));
  }
  if (platform === 'darwin') {
    const apps = [
      'Google Chrome.app/Contents/MacOS/Google Chrome',
      'Chromium.app/Contents/MacOS/Chromium',
      'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ];
    return ['/Applications', join(homedir(), 'Applications')].flatMap((dir) => apps.map((a) => join(dir, a)));
  }
  const fixed = [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/opt/google/chrome/chrome',
    '/usr/bin/microsoft-edge',
    '/usr/bin/microsoft-edge-stable',
    '/opt/microsoft/msedge/msedge',
  ];
  const commands = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge'];
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => commands.map((c) => join(dir, c)));
  return [...fixed, ...onPath];
}
