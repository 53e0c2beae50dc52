"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PANDAS_MISSING = void 0;
exports.measureInChild = measureInChild;
exports.pandas = pandas;
exports.loadAverage = loadAverage;
/**
 * Measurements shared by the csv-report benchmarks: one measurement of ./csvReport.ts in a child
 * process of its own (so that its peak RSS is its own), and pandas on the same file.
 */
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
/**
 * Runs `node dist/bench/csvReport.js --child <what> <file>` (`what`: `processor`, `floor` or
 * `papaparse`, see there) and returns its measurement.
 * @throws Error when the child fails
 */
function measureInChild(what, file) {
    const out = (0, node_child_process_1.execFileSync)(process.execPath, [(0, node_path_1.join)(__dirname, 'csvReport.js'), '--child', what, file], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
    });
    return JSON.parse(out);
}
/** What pandas runs: read, then describe every column and count distinct values, as csv-report does. */
const PANDAS = `
import sys, time, resource, pandas as pd
t = time.perf_counter()
df = pd.read_csv(sys.argv[1])
df.describe(include='all'); df.nunique()
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
`;
/** The interpreter with the Debian python3-pandas (`apt-get install python3-pandas`). */
const PYTHON = '/usr/bin/python3';
/**
 * pandas `read_csv` + `describe(include='all')` + `nunique()` on `file`, timed inside Python (the
 * interpreter's start and `import pandas` excluded), with the process's peak RSS. `undefined` when
 * /usr/bin/python3 or its pandas is missing.
 */
function pandas(file) {
    if (!(0, node_fs_1.existsSync)(PYTHON))
        return undefined;
    const r = (0, node_child_process_1.spawnSync)(PYTHON, ['-c', PANDAS, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0)
        return undefined;
    const [seconds, rss] = r.stdout.trim().split(/\s+/).map(Number);
    return { seconds, maxRssMB: rss };
}
/** Why {@link pandas} gave nothing, for the benchmark's output. */
exports.PANDAS_MISSING = `pandas not measured: ${PYTHON} with pandas not found (apt-get install python3-pandas)`;
/** The 1, 5 and 15 minute load averages, as `a / b / c`. */
function loadAverage() {
    return (0, node_os_1.loadavg)()
        .map((x) => x.toFixed(1))
        .join(' / ');
}
//# sourceMappingURL=measure.js.map