"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The page script of `GET /api/ui` (bundled by scripts/buildUi.js into dist/ui/app.js): pick a CSV file,
 * submit it as a `csv-report` job through the typed client, follow its progress in a `<progress>` bar,
 * then show the report as a table with small charts and a download link to the result's SAS URL.
 * Cancel aborts the wait, which cancels the job server-side.
 */
const client_1 = require("../client");
const dom_1 = require("./dom");
const report_1 = require("./report");
const statusLabels = {
    NotStarted: 'Queued',
    Running: 'Running',
    Succeeded: 'Done',
    Failed: 'Failed',
    Canceled: 'Canceled',
};
function start() {
    const form = (0, dom_1.byId)('job-form');
    const fileInput = (0, dom_1.byId)('file');
    const delimiterInput = (0, dom_1.byId)('delimiter');
    const headerInput = (0, dom_1.byId)('header');
    const submitButton = (0, dom_1.byId)('submit');
    const cancelButton = (0, dom_1.byId)('cancel');
    const progress = (0, dom_1.byId)('progress');
    const progressText = (0, dom_1.byId)('progress-text');
    const errorBox = (0, dom_1.byId)('error');
    const result = (0, dom_1.byId)('result');
    const summary = (0, dom_1.byId)('summary');
    const download = (0, dom_1.byId)('download');
    const tableBody = (0, dom_1.byId)('report-body');
    // The page is served by the app itself (/api/ui): the job API is on the same origin.
    const client = (0, client_1.createJobClient)({ baseUrl: new URL('/', (0, dom_1.browserWindow)().location.href).href });
    let controller;
    const showProgress = (doc) => {
        progress.value = doc.status === 'Succeeded' ? 100 : doc.percentComplete;
        const rows = typeof doc.progress.rows === 'number' ? `, ${(0, report_1.formatCount)(doc.progress.rows)} rows read` : '';
        progressText.textContent = `${statusLabels[doc.status] ?? doc.status}: ${Math.round(progress.value)} %${rows}`;
    };
    const showError = (lines) => {
        errorBox.replaceChildren(...lines.map(errorLine));
        errorBox.hidden = false;
    };
    cancelButton.addEventListener('click', () => controller?.abort());
    form.addEventListener('submit', (event) => {
        event.preventDefault();
        void run();
    });
    async function run() {
        const file = fileInput.files?.item(0);
        if (!file) {
            showError(['Choose a CSV file first.']);
            return;
        }
        controller = new AbortController();
        submitButton.disabled = true;
        cancelButton.disabled = false;
        errorBox.hidden = true;
        result.hidden = true;
        progress.value = 0;
        progressText.textContent = `Uploading ${file.name} (${(0, report_1.formatCount)(file.size)} bytes)…`;
        const started = Date.now();
        try {
            const job = await client.submit('csv-report', file, {
                contentType: 'text/csv',
                options: { delimiter: delimiterInput.value || undefined, header: headerInput.checked },
                signal: controller.signal,
            });
            if (job.accepted)
                showProgress(job.accepted);
            const report = await job.wait({ signal: controller.signal, onProgress: showProgress, as: 'json' });
            progress.value = 100;
            const seconds = ((Date.now() - started) / 1000).toFixed(1);
            progressText.textContent = `Done: 100 %, ${(0, report_1.formatCount)(report.rows)} rows in ${seconds} s`;
            summary.textContent = `${file.name}: ${(0, report_1.formatCount)(report.rows)} rows, ${report.columns.length} columns.`;
            tableBody.replaceChildren(...(0, report_1.reportRows)(report));
            if (job.resultUrl) {
                download.href = job.resultUrl;
                download.setAttribute('download', `${file.name.replace(/\.[^.]*$/, '')}-report.json`);
                download.hidden = false;
            }
            else {
                download.hidden = true;
            }
            result.hidden = false;
        }
        catch (err) {
            if ((0, client_1.isAbortError)(err)) {
                progressText.textContent = 'Canceled.';
            }
            else if (err instanceof client_1.JobProblemError) {
                progressText.textContent = 'Failed.';
                showError([
                    `${err.status} ${err.title}${err.detail ? `: ${err.detail}` : ''}`,
                    ...(err.errors ?? []).map((e) => `${e.path}: ${e.message}`),
                    ...(err.jobId ? [`Job id: ${err.jobId}`] : []),
                    `Trace id: ${err.traceId}`,
                ]);
            }
            else {
                progressText.textContent = 'Failed.';
                showError([`Could not reach the job API: ${err?.message ?? String(err)}`]);
            }
        }
        finally {
            submitButton.disabled = false;
            cancelButton.disabled = true;
            controller = undefined;
        }
    }
}
function errorLine(text) {
    const el = (0, dom_1.browserWindow)().document.createElement('span');
    el.setAttribute('class', 'error-line');
    el.textContent = text;
    return el;
}
start();
//# sourceMappingURL=app.js.map