/**
 * A counting and fault-injecting HTTP proxy in front of Azurite's blob and queue endpoints: every
 * storage call of the app (or of the local host) goes through it and is recorded with its operation
 * kind and answer (benchmarks count storage transactions per kind with it: `npm run bench:pipeline`);
 * tests add rules, chosen per operation kind, that delay a call, fail it (500/503), reset its
 * connection, or apply it and lose the answer (the request reaches storage, then the client socket is
 * destroyed before any byte of the response is sent back: the caller cannot tell whether its write
 * was applied).
 *
 * Operation kinds are classified from the request alone (method, path, `comp=` query, conditional
 * headers), following the Blob and Queue REST APIs:
 * https://learn.microsoft.com/rest/api/storageservices/blob-service-rest-api and
 * https://learn.microsoft.com/rest/api/storageservices/queue-service-rest-api
 */
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Transform } from 'node:stream';

import { azuriteConnectionString } from './azurite';

/** What a storage call does, as far as the job app is concerned. */
export type OperationKind =
  | 'record-create' // PUT <id>/status.json with If-None-Match: *
  | 'record-update' // PUT <id>/status.json with If-Match
  | 'record-read' // GET/HEAD <id>/status.json
  | 'input-upload' // PUT <id>/input (single shot, block or block list)
  | 'input-read' // GET/HEAD <id>/input
  | 'result-write' // PUT <id>/result-N
  | 'key-claim' // PUT idempotency/<hash>.json
  | 'key-read' // GET idempotency/<hash>.json
  | 'blob-delete' // DELETE of any blob
  | 'blob-list' // GET ?comp=list on a container
  | 'blob-find' // GET ?comp=blobs&where=... on a container: Find Blobs by Tags
  | 'blob-other'
  | 'enqueue' // POST <queue>/messages
  | 'dequeue' // GET <queue>/messages (not peek)
  | 'message-delete' // DELETE <queue>/messages/<id>?popreceipt=
  | 'message-update' // PUT <queue>/messages/<id>?popreceipt=
  | 'queue-other';

/**
 * A fault. `delayMs` holds the request that long before forwarding it (the write lands late even if
 * the caller gave up); `answerDelayMs` forwards it at once and holds storage's answer that long (the
 * write has landed while its caller still waits); `bytesPerSecond` passes the answer's body on at that rate at most (a slow
 * download: a job reading its input this way lasts at least size / rate seconds, however fast the
 * machine).
 */
export type Fault =
  | { delayMs: number }
  | { answerDelayMs: number }
  | { bytesPerSecond: number }
  | { status: 500 | 503 }
  | { reset: true }
  | { loseAnswer: true };

/**
 * A transform that passes bytes on at `bytesPerSecond` at most: each chunk is split into pieces of
 * a tenth of a second's worth, each released when the bytes sent so far fit the elapsed time.
 */
function throttle(bytesPerSecond: number): Transform {
  const piece = Math.max(1, Math.floor(bytesPerSecond / 10));
  const started = Date.now();
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      void (async () => {
        for (let at = 0; at < chunk.length; at += piece) {
          const part = chunk.subarray(at, at + piece);
          const due = started + ((sent + part.length) / bytesPerSecond) * 1000;
          if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
          sent += part.length;
          this.push(part);
        }
      })().then(() => callback(), callback);
    },
  });
}

/** A programmed fault: applies to the next `times` matching calls (default: every one until removed). */
export interface FaultRule {
  kind: OperationKind | '*';
  fault: Fault;
  times?: number;
  /** Extra filter on the request path (e.g. a queue or container name). */
  pathIncludes?: string;
  /** Called when the rule applies to a call (e.g. to take storage down right after it). */
  onApply?: () => void;
  /**
   * Called when storage has answered the forwarded call (the write is applied), before the answer is
   * passed on or lost: e.g. take storage down so that no follow-up call of the caller gets through.
   */
  onAnswered?: () => void;
}

/** One call seen by the proxy. */
export interface SeenCall {
  kind: OperationKind;
  method: string;
  path: string;
  fault?: string;
  /** Arrival time (epoch ms). */
  at: number;
  /** HTTP status storage answered with (set once the answer arrived; absent for faults and resets). */
  status?: number;
  /** When storage's answer arrived (epoch ms). */
  answeredAt?: number;
  /** For `dequeue`: how many messages the answer delivered (0: an empty poll). */
  delivered?: number;
}

/**
 * Classifies a storage request. `service` tells the blob and queue endpoints apart.
 * @param url path and query as received, e.g. `/devstoreaccount1/jobs/<id>/status.json?comp=block`
 */
export function classify(service: 'blob' | 'queue', method: string, url: string, headers: IncomingMessage['headers']): OperationKind {
  const [rawPath = '', query = ''] = url.split('?');
  const path = decodeURIComponent(rawPath);
  const params = new URLSearchParams(query);
  if (service === 'queue') {
    if (!/\/messages(\/|$)/.test(path)) return 'queue-other';
    if (method === 'POST') return 'enqueue';
    if (method === 'GET') return params.get('peekonly') === 'true' ? 'queue-other' : 'dequeue';
    if (method === 'DELETE' && params.has('popreceipt')) return 'message-delete';
    if (method === 'PUT' && params.has('popreceipt')) return 'message-update';
    return 'queue-other';
  }
  if (method === 'DELETE') return 'blob-delete';
  if (params.get('comp') === 'list') return 'blob-list';
  if (params.get('comp') === 'blobs' && params.has('where')) return 'blob-find';
  const name = path.split('/').slice(3).join('/'); // /<account>/<container>/<blob name>
  const read = method === 'GET' || method === 'HEAD';
  if (/\/status\.json$/.test(name)) {
    if (read) return 'record-read';
    if (method === 'PUT') return headers['if-none-match'] === '*' ? 'record-create' : 'record-update';
  }
  if (/^idempotency\//.test(name)) return read ? 'key-read' : 'key-claim';
  if (/\/input$/.test(name)) return read ? 'input-read' : 'input-upload';
  if (/\/result-\d+$/.test(name) && method === 'PUT') return 'result-write';
  return 'blob-other';
}

const describe = (f: Fault) =>
  'delayMs' in f
    ? `delay ${f.delayMs}ms`
    : 'answerDelayMs' in f
      ? `delay the answer ${f.answerDelayMs}ms`
      : 'bytesPerSecond' in f
        ? `throttle ${f.bytesPerSecond} B/s`
        : 'status' in f
          ? `fail ${f.status}`
          : 'reset' in f
            ? 'reset'
            : 'lose answer';

/** A running proxy pair (blob + queue) in front of one Azurite. */
export class StorageProxy {
  private rules: FaultRule[] = [];
  private down = false;
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  /** Every call seen, in arrival order. */
  readonly calls: SeenCall[] = [];
  blobPort = 0;
  queuePort = 0;

  private constructor(
    private readonly target: { blobPort: number; queuePort: number; host: string },
    readonly accountName: string,
    private readonly accountKey: string,
  ) {}

  /**
   * Starts a proxy in front of the storage of `connectionString` (an Azurite connection string with
   * `BlobEndpoint` and `QueueEndpoint`).
   */
  static async start(connectionString: string): Promise<StorageProxy> {
    const part = (k: string) => new RegExp(`(?:^|;)${k}=([^;]+)`).exec(connectionString)?.[1];
    const blob = new URL(part('BlobEndpoint') ?? '');
    const queue = new URL(part('QueueEndpoint') ?? '');
    const proxy = new StorageProxy(
      { blobPort: Number(blob.port), queuePort: Number(queue.port), host: blob.hostname },
      part('AccountName') ?? '',
      part('AccountKey') ?? '',
    );
    proxy.blobPort = await proxy.listen('blob', proxy.target.blobPort);
    proxy.queuePort = await proxy.listen('queue', proxy.target.queuePort);
    return proxy;
  }

  /** Connection string whose endpoints are this proxy. */
  get connectionString(): string {
    return azuriteConnectionString(this.blobPort, this.queuePort, '127.0.0.1', { name: this.accountName, key: this.accountKey });
  }

  /** Adds a rule (rules are checked in the order added; the first that matches applies). */
  inject(rule: FaultRule): this {
    this.rules.push({ ...rule });
    return this;
  }

  /** Removes every rule and brings storage back up. */
  clear(): void {
    this.rules = [];
    this.down = false;
  }

  /** Storage down: every call's connection is reset (as when the service cannot be reached), until {@link up}. */
  setDown(down = true): void {
    this.down = down;
    if (down) for (const s of this.sockets) s.destroy();
  }

  up(): void {
    this.setDown(false);
  }

  /** Calls of a kind seen so far. */
  seen(kind: OperationKind): SeenCall[] {
    return this.calls.filter((c) => c.kind === kind);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private take(kind: OperationKind, path: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.kind !== '*' && rule.kind !== kind) continue;
      if (rule.pathIncludes && !path.includes(rule.pathIncludes)) continue;
      if (rule.times !== undefined) {
        if (rule.times <= 0) continue;
        rule.times--;
      }
      rule.onApply?.();
      return rule;
    }
    return undefined;
  }

  private listen(service: 'blob' | 'queue', targetPort: number): Promise<number> {
    const server = createServer((req, res) => void this.handle(service, targetPort, req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.keepAliveTimeout = 1000;
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  }

  private async handle(service: 'blob' | 'queue', targetPort: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const kind = classify(service, req.method ?? 'GET', url, req.headers);
    const chunks: Buffer[] = [];
    let clientGone = false;
    req.on('data', (c: Buffer) => chunks.push(c));
    res.on('close', () => (clientGone = !res.writableFinished));
    await new Promise<void>((r) => {
      req.once('end', r);
      req.once('error', () => r());
    });
    const rule = this.down ? undefined : this.take(kind, url);
    const fault = this.down ? ({ reset: true } as const) : rule?.fault;
    const downAtArrival = this.down;
    const call: SeenCall = { kind, method: req.method ?? '', path: url, ...(fault ? { fault: describe(fault) } : {}), at: Date.now() };
    this.calls.push(call);
    if (downAtArrival || (fault && 'reset' in fault)) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, {
        'Content-Type': 'application/xml',
        'x-ms-error-code': fault.status === 503 ? 'ServerBusy' : 'InternalError',
      });
      res.end(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${fault.status === 503 ? 'ServerBusy' : 'InternalError'}</Code><Message>Injected fault</Message></Error>`,
      );
      return;
    }
    if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    // Forwarded even when the caller has gone meanwhile: a delayed write lands late, as in a real network.
    const body = Buffer.concat(chunks);
    const headers = { ...req.headers, host: `${this.target.host}:${targetPort}` };
    const upstream = httpRequest({ host: this.target.host, port: targetPort, method: req.method, path: url, headers }, (up) => {
      rule?.onAnswered?.();
      call.status = up.statusCode ?? 0;
      call.answeredAt = Date.now();
      if (kind === 'dequeue') {
        // Get Messages answers <QueueMessagesList> with one <QueueMessage> per delivered message.
        call.delivered = 0;
        let tail = '';
        up.on('data', (c: Buffer) => {
          const text = tail + c.toString('latin1');
          call.delivered! += text.split('<QueueMessage>').length - 1;
          tail = text.slice(1 - '<QueueMessage>'.length);
        });
      }
      const pass = () => {
        const loseAnswer = (fault && 'loseAnswer' in fault) || this.down; // (storage went down meanwhile)
        if (loseAnswer || clientGone) {
          up.resume();
          up.once('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        // Storage gone mid-answer (stopped, killed): the caller's connection breaks too, as it would.
        up.once('close', () => {
          if (!up.complete) req.socket.destroy();
        });
        if (fault && 'bytesPerSecond' in fault) up.pipe(throttle(fault.bytesPerSecond)).pipe(res);
        else up.pipe(res);
      };
      if (fault && 'answerDelayMs' in fault) {
        up.pause(); // (held, counting listener included, until the answer is passed on)
        setTimeout(pass, fault.answerDelayMs);
      } else pass();
    });
    upstream.on('error', () => req.socket.destroy());
    upstream.end(body);
  }
}
