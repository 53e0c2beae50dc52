import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import MarkdownIt from 'markdown-it';

import { exposedHeaders, routePrefix, statusOptionKeys } from '../../src/contract/http';
import { jobStatuses, runtimeStatuses } from '../../src/contract/jobStatus';
import { processors } from '../../src/core/processors/registry';
import { openApiDocument } from '../../src/http/openapi';

/**
 * The API reference (docs/api.md) and the OpenAPI document (src/http/openapi.ts) agree. The
 * reference is parsed as Markdown (markdown-it: headings and GFM tables), not grepped, so an item
 * missing from the section of its operation fails even when it is mentioned elsewhere:
 * - one `### \`METHOD /path\`` heading per OpenAPI operation and no other (the per-processor submit
 *   paths `/api/jobs/csv-report`, ... are documented once as `POST /api/jobs/{type}`);
 * - per operation, its "Responses" table lists exactly the OpenAPI response statuses, and each row
 *   names the headers OpenAPI gives that response;
 * - per operation, its "Request" table (or, for processor options, the "Processors" table row of
 *   that processor) names every OpenAPI parameter with its location and enum values;
 * - the status document, the 202 body and the problem details tables list exactly the OpenAPI
 *   schemas' properties, with "always" exactly for the required ones.
 */

const root = join(__dirname, '..', '..');
const reference = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
const tokens = new MarkdownIt().parse(reference, {});
type Token = (typeof tokens)[number];

// ------------------------------------------------------------------------------------------------
// The reference's structure

interface Section {
  level: number;
  title: string;
  /** Index of its `heading_open` token, and of the next heading of the same or a higher level (exclusive end). */
  start: number;
  end: number;
  /** Tokens after the heading up to `end`. */
  body: Token[];
}

const sections: Section[] = tokens.flatMap((t, i) => {
  if (t.type !== 'heading_open') return [];
  const level = Number(t.tag.slice(1));
  const next = tokens.findIndex((u, j) => j > i && u.type === 'heading_open' && Number(u.tag.slice(1)) <= level);
  const end = next === -1 ? tokens.length : next;
  return [{ level, title: tokens[i + 1]!.content, start: i, end, body: tokens.slice(i + 3, end) }];
});

/** A GFM table: header cells and body rows, each cell as its raw inline Markdown. */
interface Table {
  header: string[];
  rows: string[][];
}

function tablesIn(body: Token[]): Table[] {
  const tables: Table[] = [];
  let current: Table | undefined;
  let row: string[] = [];
  for (let i = 0; i < body.length; i++) {
    const t = body[i]!;
    if (t.type === 'table_open') current = { header: [], rows: [] };
    else if (t.type === 'tr_open') row = [];
    else if ((t.type === 'th_open' || t.type === 'td_open') && current) {
      row.push(body[i + 1]?.type === 'inline' ? body[i + 1]!.content : '');
    } else if (t.type === 'tr_close' && current) {
      if (current.header.length === 0) current.header = row;
      else current.rows.push(row);
    } else if (t.type === 'table_close' && current) {
      tables.push(current);
      current = undefined;
    }
  }
  return tables;
}

/** The one section titled `title` (exact), at any level below `within` when given. */
function section(title: string, within?: Section): Section {
  const found = (within ? sectionsIn(within) : sections).filter((s) => s.title === title);
  expect({ section: title, found: found.length }).toEqual({ section: title, found: 1 });
  return found[0]!;
}

/** The sub-sections of a section (headings inside its body). */
function sectionsIn(parent: Section): Section[] {
  return sections.filter((s) => s.start > parent.start && s.start < parent.end);
}

/** The one table of `s` whose first header cell is `first`; cells addressed by header name. */
function table(s: Section, first: string): { header: string[]; rows: Record<string, string>[] } {
  const found = tablesIn(s.body).filter((t) => t.header[0] === first);
  expect({ section: s.title, table: first, found: found.length }).toEqual({ section: s.title, table: first, found: 1 });
  const t = found[0]!;
  return { header: t.header, rows: t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i] ?? '']))) };
}

/** The code spans of a cell: `` `Location` `` → `Location`. */
const spans = (cell: string | undefined): string[] => [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** A header named in a cell, as `Name` or `Name: value`. */
const namesHeader = (cell: string | undefined, name: string) => spans(cell).some((s) => s === name || s.startsWith(`${name}:`));

// ------------------------------------------------------------------------------------------------
// The OpenAPI document

interface Parameter {
  name: string;
  in: string;
  schema?: { enum?: string[]; default?: unknown };
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface ObjectSchema {
  properties: Record<string, { enum?: string[] }>;
  required?: string[];
}
const openApi = openApiDocument() as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, ObjectSchema> };
};

const base = `/${routePrefix}`;
/** The reference's name of an OpenAPI path: a processor's submit path becomes `/api/jobs/{type}`. */
const processorOfPath = (path: string) => [...processors.keys()].find((type) => path === `${base}/jobs/${type}`);
const referencePath = (path: string) => (processorOfPath(path) ? `${base}/jobs/{type}` : path);

const operations = Object.entries(openApi.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
    .map(([method, op]) => ({ key: `${method.toUpperCase()} ${referencePath(path)}`, path, op })),
);

const operationHeading = /^`(GET|PUT|POST|DELETE|PATCH) (\/\S+)`/;
const documented = sections.filter((s) => operationHeading.test(s.title));
const sectionOf = (key: string) => documented.find((s) => operationHeading.exec(s.title)!.slice(1, 3).join(' ') === key)!;

// ------------------------------------------------------------------------------------------------

test('the reference documents every OpenAPI operation under its own heading, and no other', () => {
  expect(operations.length).toBeGreaterThanOrEqual(7);
  const headings = documented.map((s) => operationHeading.exec(s.title)!.slice(1, 3).join(' '));
  expect(new Set(headings).size).toBe(headings.length);
  expect([...headings].sort()).toEqual([...new Set(operations.map((o) => o.key))].sort());
  // The summary table names them all too.
  const summary = table(section('Operations'), 'operation');
  expect(summary.rows.flatMap((r) => spans(r.path)).sort()).toEqual([...headings].sort());
});

describe.each(operations.map((o) => [`${o.key} (${o.path})`, o] as const))('%s', (_name, { key, path, op }) => {
  const s = () => sectionOf(key);

  test('Responses: exactly the OpenAPI statuses, each row naming its OpenAPI headers', () => {
    const responses = table(section('Responses', s()), 'status');
    expect(responses.header).toEqual(['status', 'when', 'headers', 'body']);
    const rows = responses.rows.map((r) => ({ status: /\b\d{3}\b/.exec(r.status!)?.[0], headers: r.headers }));
    expect(rows.map((r) => r.status).sort()).toEqual(Object.keys(op.responses).sort());
    for (const [status, response] of Object.entries(op.responses)) {
      const row = rows.find((r) => r.status === status)!;
      for (const header of Object.keys(response.headers ?? {})) {
        expect({ status, header, named: namesHeader(row.headers, header) }).toEqual({ status, header, named: true });
      }
    }
  });

  test('Request: every OpenAPI parameter, in its place, with its values', () => {
    const parameters = op.parameters ?? [];
    const type = processorOfPath(path);
    const isStatusOption = (name: string) => (statusOptionKeys as readonly string[]).includes(name);
    const processorRows = () => table(section('Processors', s()), 'processor').rows.filter((r) => spans(r.processor).includes(type!));
    const request = parameters.length > 0 || type ? table(section('Request', s()), 'parameter') : undefined;
    for (const p of parameters) {
      const isProcessorOption = type !== undefined && p.in === 'query' && !isStatusOption(p.name);
      const row = isProcessorOption
        ? processorRows().find((r) => spans(r.option).join() === p.name)
        : request!.rows.find((r) => spans(r.parameter).join() === p.name && r.in === p.in);
      const parameter = `${p.in} ${p.name}`;
      expect({ parameter, documented: row !== undefined }).toEqual({ parameter, documented: true });
      for (const value of p.schema?.enum ?? []) {
        expect({ parameter, value, listed: spans(row!.values).includes(value) }).toEqual({ parameter, value, listed: true });
      }
      if (typeof p.schema?.default === 'string') expect(row!.values).toContain(`\`${p.schema.default}\` (default)`);
    }
    if (type) {
      // The processor's row(s): its options are exactly the OpenAPI's, its body media types are listed.
      const rows = processorRows();
      const options = parameters.filter((p) => p.in === 'query' && !isStatusOption(p.name)).map((p) => p.name);
      expect(rows.map((r) => spans(r.option).join()).sort()).toEqual(options.sort());
      for (const media of Object.keys(op.requestBody?.content ?? {})) {
        for (const r of rows) expect(spans(r['body media types'])).toContain(media);
      }
    }
  });
});

test('the Processors table lists exactly the registered processors', () => {
  const rows = table(section('Processors', sectionOf(`POST ${base}/jobs/{type}`)), 'processor').rows;
  expect([...new Set(rows.flatMap((r) => spans(r.processor)))].sort()).toEqual([...processors.keys()].sort());
});

/** The rows of a field table, checked against an OpenAPI object schema's properties. */
function expectFields(rows: Record<string, string>[], name: string, properties: string[], required: string[]): void {
  expect({ table: name, fields: rows.map((r) => spans(r[name]).join()).sort() }).toEqual({ table: name, fields: [...properties].sort() });
  for (const r of rows) {
    const field = spans(r[name]).join();
    expect({ field, always: r.present === 'always' }).toEqual({ field, always: required.includes(field) });
  }
}

test('the status document table lists exactly the StatusDocument fields, with the values the code emits', () => {
  const schema = openApi.components.schemas.StatusDocument!;
  const rows = table(section('The status document'), 'field').rows;
  expectFields(rows, 'field', Object.keys(schema.properties), schema.required ?? []);
  // Enumerations: the documented values are the ones the code produces, each allowed by the OpenAPI enum.
  const emitted: Record<string, string[]> = { status: [...jobStatuses], runtimeStatus: [...runtimeStatuses] };
  for (const [field, property] of Object.entries(schema.properties)) {
    if (!property.enum) continue;
    expect({ field, emittedKnown: emitted[field] !== undefined }).toEqual({ field, emittedKnown: true });
    // The OpenAPI enum is exactly what the code emits: a client may rely on every value it lists.
    expect({ field, openApi: [...property.enum].sort() }).toEqual({ field, openApi: [...new Set(emitted[field])].sort() });
    const row = rows.find((r) => spans(r.field).join() === field)!;
    const documentedValues = [...new Set(spans(row.meaning).filter((v) => property.enum!.includes(v)))].sort();
    expect({ field, values: documentedValues }).toEqual({ field, values: [...new Set(emitted[field])].sort() });
  }
});

test("the 202 body table lists exactly the AcceptedDocument's fields beyond the status document", () => {
  const accepted = openApi.components.schemas.AcceptedDocument!;
  const status = openApi.components.schemas.StatusDocument!;
  const own = Object.keys(status.properties);
  expect(Object.keys(accepted.properties)).toEqual(expect.arrayContaining(own));
  const extra = Object.keys(accepted.properties).filter((k) => !own.includes(k));
  expectFields(table(section("The submit's 202 body"), 'field').rows, 'field', extra, accepted.required ?? []);
});

test('the problem details table lists exactly the Problem members', () => {
  const problem = openApi.components.schemas.Problem!;
  const s = section('Problem details');
  const members = table(s, 'member').rows;
  expectFields(members, 'member', Object.keys(problem.properties), problem.required ?? []);
});

test("the status document's error is the Problem schema itself", () => {
  const error = openApi.components.schemas.StatusDocument!.properties.error as { $ref?: string };
  expect(error).toEqual({ $ref: '#/components/schemas/Problem' });
});

test('job ids are UUID v4 in the OpenAPI document, as the code accepts them', () => {
  const ids = operations.flatMap(({ op }) => (op.parameters ?? []).filter((p) => p.in === 'path' && p.name === 'id'));
  expect(ids.length).toBe(3);
  for (const p of ids) {
    const pattern = new RegExp((p.schema as { pattern: string }).pattern);
    expect(pattern.test('0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e')).toBe(true);
    // A UUID of another version (here v1, then v7) is an unknown job (404), not an id.
    expect(pattern.test('0b6f7d52-3c1e-1a8b-9d2f-5e6a7b8c9d0e')).toBe(false);
    expect(pattern.test('0b6f7d52-3c1e-7a8b-9d2f-5e6a7b8c9d0e')).toBe(false);
  }
});

test("the 200 of the status URL (and of a submit with Prefer: wait) lists each processor's result media type", () => {
  const status = openApi.paths[`${base}/jobs/{id}`]!.get!.responses['200']!.content!;
  expect(Object.keys(status)).toEqual(expect.arrayContaining([...new Set([...processors.values()].map((p) => p.resultMediaType))]));
  // application/json: the status document, or a JSON result (onComplete=stream).
  const json = JSON.stringify(status['application/json']!.schema);
  expect(json).toContain('#/components/schemas/StatusDocument');
  for (const p of processors.values()) {
    const id = p.resultSchema?.meta()?.id;
    if (p.resultMediaType === 'application/json' && id) expect(json).toContain(`#/components/schemas/${id}`);
    const submit = openApi.paths[`${base}/jobs/${p.type}`]!.post!.responses['200']!.content!;
    expect(Object.keys(submit)).toContain(p.resultMediaType);
  }
});

test('the CORS exposed headers are every header a job response sends for a client to read', () => {
  const sent = new Set(
    operations
      .filter((o) => o.path.startsWith(`${base}/jobs/`))
      .flatMap(({ op }) => Object.values(op.responses).flatMap((r) => Object.keys(r.headers ?? {}))),
  );
  expect([...sent].sort()).toEqual([...exposedHeaders].sort());
  const conventions = section('Conventions')
    .body.map((t) => t.content)
    .join('\n');
  for (const name of exposedHeaders) expect(conventions).toContain(`\`${name}\``);
});

test('every in-page link of the reference points at a heading', () => {
  // GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens, duplicates suffixed -1, -2, ...
  const seen = new Map<string, number>();
  const anchors = new Set(
    sections.map((s) => {
      const text = s.title
        .replace(/`/g, '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-');
      const n = seen.get(text) ?? 0;
      seen.set(text, n + 1);
      return n === 0 ? text : `${text}-${n}`;
    }),
  );
  const links = [...reference.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
  expect(links.length).toBeGreaterThan(5);
  for (const link of links) expect({ link, resolves: anchors.has(link) }).toEqual({ link, resolves: true });
});

test('README links this reference, and neither cites notes outside the repository', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  expect({ linksReference: /\]\(docs\/api\.md(#[^)]*)?\)/.test(readme) }).toEqual({ linksReference: true });
  for (const [file, text] of [
    ['README.md', readme],
    ['docs/api.md', reference],
  ] as const) {
    expect({ file, outside: /\.\.\/shared|CONTRACT\.md|PLATFORM-NOTES/.test(text) }).toEqual({ file, outside: false });
  }
});
