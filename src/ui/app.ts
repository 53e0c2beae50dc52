/**
 * The page script of `GET /api/ui` (bundled by scripts/buildUi.js into dist/ui/app.js): pick a CSV file,
 * submit it as a `csv-report` job through the typed client, follow its progress in a `<progress>` bar,
 * then show the report as a table with small charts and a download link to the result's SAS URL.
 * Cancel aborts the wait, which cancels the job server-side.
 */
import { createJobClient, isAbortError, JobProblemError, type JobStatus, type JobStatusDocument } from '../client';
import { byId, h } from './dom';
import { type CsvReport, formatCount, reportRows } from './report';

/** What the page shows for each status (typed by the contract, so a new status fails to compile here). */
const statusLabels: Record<JobStatus, string> = {
  NotStarted: 'Queued',
  Running: 'Running',
  Succeeded: 'Done',
  Failed: 'Failed',
  Canceled: 'Canceled',
};

function start(): void {
  const form = byId<HTMLFormElement>('job-form');
  const fileInput = byId<HTMLInputElement>('file');
  const delimiterInput = byId<HTMLInputElement>('delimiter');
  const headerInput = byId<HTMLInputElement>('header');
  const submitButton = byId<HTMLButtonElement>('submit');
  const cancelButton = byId<HTMLButtonElement>('cancel');
  const progress = byId<HTMLProgressElement>('progress');
  const progressText = byId('progress-text');
  const errorBox = byId('error');
  const result = byId('result');
  const summary = byId('summary');
  const download = byId<HTMLAnchorElement>('download');
  const tableBody = byId('report-body');

  // The page is served by the app itself (/api/ui): the job API is on the same origin.
  const client = createJobClient({ baseUrl: new URL('/', window.location.href).href });
  let controller: AbortController | undefined;

  const showProgress = (doc: JobStatusDocument) => {
    progress.value = doc.status === 'Succeeded' ? 100 : doc.percentComplete;
    const rows = typeof doc.progress.rows === 'number' ? `, ${formatCount(doc.progress.rows)} rows read` : '';
    progressText.textContent = `${statusLabels[doc.status]}: ${Math.round(progress.value)} %${rows}`;
  };

  const showError = (lines: string[]) => {
    errorBox.replaceChildren(...lines.map(errorLine));
    errorBox.hidden = false;
  };

  cancelButton.addEventListener('click', () => controller?.abort());

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });

  async function run(): Promise<void> {
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
    progressText.textContent = `Uploading ${file.name} (${formatCount(file.size)} bytes)…`;
    const started = Date.now();
    try {
      const job = await client.submit('csv-report', file, {
        contentType: 'text/csv',
        options: { delimiter: delimiterInput.value || undefined, header: headerInput.checked },
        signal: controller.signal,
      });
      if (job.accepted) showProgress(job.accepted);
      const report = await job.wait<CsvReport>({ signal: controller.signal, onProgress: showProgress, as: 'json' });
      progress.value = 100;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      progressText.textContent = `Done: 100 %, ${formatCount(report.rows)} rows in ${seconds} s`;
      summary.textContent = `${file.name}: ${formatCount(report.rows)} rows, ${report.columns.length} columns.`;
      tableBody.replaceChildren(...reportRows(report));
      if (job.resultUrl) {
        download.href = job.resultUrl;
        download.setAttribute('download', `${file.name.replace(/\.[^.]*$/, '')}-report.json`);
        download.hidden = false;
      } else {
        download.hidden = true;
      }
      result.hidden = false;
    } catch (err) {
      if (isAbortError(err)) {
        progressText.textContent = 'Canceled.';
      } else if (err instanceof JobProblemError) {
        progressText.textContent = 'Failed.';
        showError([
          `${err.status} ${err.title}${err.detail ? `: ${err.detail}` : ''}`,
          ...(err.errors ?? []).map((e) => `${e.path}: ${e.message}`),
          ...(err.jobId ? [`Job id: ${err.jobId}`] : []),
          `Trace id: ${err.traceId}`,
        ]);
      } else {
        progressText.textContent = 'Failed.';
        showError([`Could not reach the job API: ${(err as Error)?.message ?? String(err)}`]);
      }
    } finally {
      submitButton.disabled = false;
      cancelButton.disabled = true;
      controller = undefined;
    }
  }
}

function errorLine(text: string): HTMLSpanElement {
  return h('span', { class: 'error-line' }, text);
}

start();
