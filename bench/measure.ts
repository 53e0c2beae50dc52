/**
 * Measurements shared by the benchmarks: one measurement of ./csvReport.ts in a child process of its
 * own (so that its peak RSS is its own), pandas on the same file, and a process's peak RSS.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

/** One timed run: wall-clock seconds and peak RSS in MB. */
export interface Measurement {
  seconds: number;
  maxRssMB: number;
  rows?: number;
}

/**
 * Peak resident set size in MB (1 MB = 1024 kB) of process `pid`, or of this one (`'self'`): VmHWM of
 * /proc/<pid>/status (Linux, proc(5)), which is the process's own since exec. Not
 * `resourceUsage().maxRSS` for this process: Linux carries a parent's peak over fork and exec into the
 * child's `ru_maxrss`, so a child of bench:job (whose parent holds the uploaded file) would report the
 * parent's 300 MB.
 * For `'self'`, falls back to `maxRSS` where /proc is missing or has no VmHWM. For a pid, `NaN` when the
 * status has no VmHWM (a zombie).
 * @throws Error (ENOENT) for a pid whose /proc status cannot be read (no /proc, or no such process)
 */
export function peakRssMB(pid: number | 'self'): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (err) {
    if (pid !== 'self') throw err;
    return process.resourceUsage().maxRSS / 1024; // not Linux
  }
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  if (m !== null) return Number(m[1]) / 1024;
  return pid === 'self' ? process.resourceUsage().maxRSS / 1024 : NaN;
}

/**
 * Runs `node dist/bench/csvReport.js --child <what> <file>` (`what`: `processor`, `floor` or
 * `papaparse`, see there) and returns its measurement.
 * @throws Error when the child fails
 */
export function measureInChild(what: string, file: string): Measurement {
  const out = execFileSync(process.execPath, [join(__dirname, 'csvReport.js'), '--child', what, file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out) as Measurement;
}

/** What pandas runs: read, then describe every column and count distinct values, as csv-report does. */
const PANDAS = `
import sys, time, resource, pandas as pd
t = time.perf_counter()
df = pd.read_csv(sys.argv[1])
df.describe(include='all'); df.nunique()
try:  # VmHWM: this process's own peak (ru_maxrss would carry over a bigger parent's, see csvReport.ts)
    rss = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) / 1024
except OSError:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(time.perf_counter() - t, rss)
`;

/** The interpreter with the Debian python3-pandas (`apt-get install python3-pandas`). */
const PYTHON = '/usr/bin/python3';

/**
 * pandas `read_csv` + `describe(include='all')` + `nunique()` on `file`, timed inside Python (the
 * interpreter's start and `import pandas` excluded), with the process's peak RSS. `undefined` when
 * /usr/bin/python3 or its pandas is missing.
 */
export function pandas(file: string): Measurement | undefined {
  if (!existsSync(PYTHON)) return undefined;
  const r = spawnSync(PYTHON, ['-c', PANDAS, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return undefined;
  const [seconds, rss] = r.stdout.trim().split(/\s+/).map(Number) as [number, number];
  return { seconds, maxRssMB: rss };
}

/** Why {@link pandas} gave nothing, for the benchmark's output. */
export const PANDAS_MISSING = `pandas not measured: ${PYTHON} with pandas not found (apt-get install python3-pandas)`;

/** The 1, 5 and 15 minute load averages, as `a / b / c`. */
export function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
}
