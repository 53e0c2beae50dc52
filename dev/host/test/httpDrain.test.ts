import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';

import { type HostProcess, startHostProcess } from '@async-request-reply/local-host/hostProcess';

import { CoreApi } from '../coreApi';
import { type DrainLimits, type HttpHost, requestDrainLimits, startHttpHost } from '../httpHost';

/**
 * The local host answers a request it does not read (no route, bad Host, a function that answers
 * before reading, e.g. 413) and then drains the rest of the body, as Kestrel does in front of the
 * Functions host, so that a client still uploading reads the answer instead of EPIPE/ECONNRESET.
 * A raw TCP client sends the head, waits for the answer, and only then writes the body slowly: a
 * host that closed after answering makes those writes fail every time.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

interface Exchange {
  /** Everything the server sent (latin1). */
  received: string;
  /** Socket or write errors the client saw (codes). */
  errors: string[];
  /** Body bytes written successfully. */
  written: number;
  /** True when the server closed the connection (FIN or reset) before the client had written all of the body. */
  closedEarly: boolean;
}

/** Status codes of the responses in `received`, in order. */
const statuses = (received: string) => [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

/**
 * Sends `POST target` with a `Content-Length: declaredBytes` head, waits until the answer's head is
 * in, then writes `sendBytes` (default all) of the body in 64 KiB chunks `gapMs` apart, and (if
 * `then` is given) another request on the same connection. Resolves when the server closes the
 * connection, or rejects after `timeoutMs`.
 */
function uploadAfterAnswer(
  port: number,
  opts: {
    target: string;
    host?: string;
    declaredBytes: number;
    sendBytes?: number;
    gapMs?: number;
    connection: 'close' | 'keep-alive';
    then?: string;
    /** Send nothing more after the body (neither another request nor a FIN): the server must close. */
    stall?: boolean;
    timeoutMs?: number;
  },
): Promise<Exchange> {
  const { declaredBytes, gapMs = 10, timeoutMs = 15_000 } = opts;
  const sendBytes = opts.sendBytes ?? declaredBytes;
  return new Promise<Exchange>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const out: Exchange = { received: '', errors: [], written: 0, closedEarly: false };
    let serverEnded = false;
    let onHead: (() => void) | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; received ${JSON.stringify(out.received.slice(0, 200))}`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => {
      out.received += c.toString('latin1');
      if (out.received.includes('\r\n\r\n')) onHead?.();
    });
    socket.on('end', () => {
      serverEnded = true;
      if (out.written < sendBytes) out.closedEarly = true;
    });
    socket.on('error', (e: NodeJS.ErrnoException) => out.errors.push(e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      if (out.written < sendBytes) out.closedEarly = true;
      resolve(out);
    });
    const write = (data: Buffer | string) =>
      new Promise<boolean>((done) => {
        if (socket.destroyed || serverEnded) return done(false);
        socket.write(data, (err) => {
          if (err) out.errors.push((err as NodeJS.ErrnoException).code ?? err.message);
          done(!err);
        });
      });
    void (async () => {
      await write(
        `POST ${opts.target} HTTP/1.1\r\nHost: ${opts.host ?? `127.0.0.1:${port}`}\r\nContent-Type: text/csv\r\n` +
          `Content-Length: ${declaredBytes}\r\nConnection: ${opts.connection}\r\n\r\n`,
      );
      await new Promise<void>((r) => (out.received.includes('\r\n\r\n') ? r() : (onHead = r)));
      const chunk = Buffer.alloc(64 * KiB, 'a,b\n1,2\n');
      while (out.written < sendBytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, sendBytes - out.written));
        if (!(await write(piece))) return;
        out.written += piece.length;
        await new Promise((r) => setTimeout(r, gapMs));
      }
      if (opts.then) await write(opts.then);
      // With keep-alive and no further request, the client ends the connection itself.
      else if (opts.connection === 'keep-alive' && !opts.stall) socket.end();
    })();
  });
}

describe('early answers drain the request body (in-process HTTP host, no function registered)', () => {
  let host: HttpHost;
  let bounded: HttpHost;
  const boundedLimits: DrainLimits = { timeoutMs: 400, maxBytes: 256 * KiB };

  beforeAll(async () => {
    const core = new CoreApi(() => undefined);
    const base = { core, routePrefix: 'api', cors: {}, log: () => undefined, port: 0 };
    host = await startHttpHost({ ...base, cors: { CORS: 'http://page.example' } });
    bounded = await startHttpHost({ ...base, drain: boundedLimits });
  });
  afterAll(async () => {
    await host?.close();
    await bounded?.close();
  });

  test('the default bounds are 5 s (Kestrel) and 100 MB (the Functions host request size limit)', () => {
    expect(requestDrainLimits).toEqual({ timeoutMs: 5_000, maxBytes: 104_857_600 });
  });

  test.each<[string, string, number, string | undefined]>([
    ['no route under the prefix', '/api/nope', 404, undefined],
    ['outside the route prefix (dot segments resolved)', '/api/..?', 404, undefined],
    ['a Host header that is not host[:port]', '/api/nope', 400, 'bad host'],
  ])('%s: %s → %s, then 1 MiB written slowly after the answer, with no EPIPE/ECONNRESET', async (_what, target, status, hostHeader) => {
    const ex = await uploadAfterAnswer(host.port, {
      target,
      ...(hostHeader ? { host: hostHeader } : {}),
      declaredBytes: MiB,
      connection: 'close',
    });
    expect(statuses(ex.received)).toEqual([status]);
    expect(ex.errors).toEqual([]);
    expect(ex.written).toBe(MiB);
    expect(ex.closedEarly).toBe(false);
  });

  test('a CORS preflight is answered 204 with the preflight headers and no Content-Length (RFC 9110 §8.6)', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: host.port,
        method: 'OPTIONS',
        path: '/api/anything',
        headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'POST' },
      });
      req.on('response', (r) => {
        r.resume();
        resolve(r);
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://page.example');
    expect(res.headers['access-control-allow-methods']).toBe('POST');
    expect(res.headers['content-length']).toBeUndefined();
  });

  test('keep-alive: once the body is drained the connection carries the next request, as with Kestrel', async () => {
    const ex = await uploadAfterAnswer(host.port, {
      target: '/api/nope',
      declaredBytes: 512 * KiB,
      connection: 'keep-alive',
      then: 'GET /api/other HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    });
    expect(statuses(ex.received)).toEqual([404, 404]);
    expect(ex.errors).toEqual([]);
  });

  test('time bound: a client that stops sending is disconnected after timeoutMs, its answer delivered', async () => {
    const started = Date.now();
    const ex = await uploadAfterAnswer(bounded.port, {
      target: '/api/nope',
      declaredBytes: 10 * MiB,
      sendBytes: 64 * KiB,
      connection: 'keep-alive',
      stall: true,
      timeoutMs: 10_000,
    });
    expect(statuses(ex.received)).toEqual([404]);
    expect(ex.written).toBe(64 * KiB);
    // closed by the server: not before the drain timeout, and well before the client's own 10 s timeout
    expect(Date.now() - started).toBeGreaterThanOrEqual(boundedLimits.timeoutMs);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('size bound: a body over maxBytes is not read to its end; the answer is delivered first', async () => {
    const ex = await uploadAfterAnswer(bounded.port, {
      target: '/api/nope',
      declaredBytes: 64 * MiB,
      gapMs: 0,
      connection: 'keep-alive',
      stall: true,
      timeoutMs: 10_000,
    });
    expect(statuses(ex.received)).toEqual([404]);
    expect(ex.closedEarly).toBe(true);
    expect(ex.written).toBeLessThan(64 * MiB);
  });
});

describe('through the CLI and the library HTTP proxy: a function that answers before reading the body (413); pooled bodyless requests', () => {
  const appDir = join(__dirname, 'fixtures', 'http-app');
  let host: HostProcess;
  let port: number;

  beforeAll(async () => {
    host = await startHostProcess({ appDir, env: process.env });
    port = Number(new URL(host.baseUrl).port);
  }, 40_000);
  afterAll(async () => {
    await host?.stop();
  });

  test.each(['close', 'keep-alive'] as const)(
    'Connection: %s: 413 arrives, then 1 MiB written slowly with no EPIPE/ECONNRESET',
    async (connection) => {
      const ex = await uploadAfterAnswer(port, { target: '/api/upload', declaredBytes: MiB, connection });
      expect(statuses(ex.received)).toEqual([413]);
      expect(ex.received).toContain('Payload Too Large');
      expect(ex.errors).toEqual([]);
      expect(ex.written).toBe(MiB);
      expect(ex.closedEarly).toBe(false);
    },
  );

  /** Sends raw `head` + `body` on a new connection (`Connection: close`) and resolves with everything received once the server closes it. */
  const raw = (head: string, body: string) =>
    new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write(head + body));
      socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer; received ${JSON.stringify(received)}`)));
      socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
    });

  test('a GET that announces a body it sends (drained, not forwarded) leaves the pooled proxy connection usable', async () => {
    // A forwarded Content-Length with no body after it would leave the library's server waiting for
    // those bytes on the pooled connection, and the next GET that reuses it would never be answered.
    const head = 'GET /api/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\n';
    for (let i = 0; i < 3; i++) {
      expect(statuses(await raw(head, 'hello'))).toEqual([200]);
      const next = await fetch(`${host.baseUrl}/api/ping`, { signal: AbortSignal.timeout(5_000) });
      expect(next.status).toBe(200);
      expect(await next.json()).toEqual({ method: 'GET' });
    }
  });
});
