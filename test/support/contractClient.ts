/** One poll of the status URL as seen by the client. */
export interface Poll {
  status: number;
  body: unknown;
  retryAfter: number | undefined;
}

/** What {@link pollUntilDone} ends with: the first answer that is not "pending". */
export interface PollOutcome {
  final: Response;
  polls: Poll[];
}

/**
 * Polls a status URL exactly as docs/api.md tells a browser or script to: GET without following
 * redirects; while the answer is 200 (or 202) with a pending status document, wait `Retry-After`
 * seconds and poll again; stop at the first other answer (302/303 to the result, 200 result, or a
 * problem). Fails when `Retry-After` is missing or not an integer while pending.
 */
export async function pollUntilDone(url: string, timeoutMs = 120_000, init: RequestInit = {}): Promise<PollOutcome> {
  const deadline = Date.now() + timeoutMs;
  const polls: Poll[] = [];
  for (;;) {
    const res = await fetch(url, { ...init, redirect: 'manual' });
    const type = res.headers.get('content-type') ?? '';
    const pendingCandidate = (res.status === 200 || res.status === 202) && type.startsWith('application/json');
    if (pendingCandidate) {
      const body = (await res.clone().json()) as { status?: string };
      if (body.status === 'NotStarted' || body.status === 'Running') {
        const header = res.headers.get('retry-after');
        if (header === null || !/^\d+$/.test(header)) throw new Error(`Pending answer without integer Retry-After: ${header}`);
        polls.push({ status: res.status, body, retryAfter: Number(header) });
        if (Date.now() > deadline) throw new Error(`Job still pending after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, Number(header) * 1000));
        if (res.status === 202 && res.headers.get('location')) url = res.headers.get('location')!;
        continue;
      }
    }
    polls.push({ status: res.status, body: undefined, retryAfter: undefined });
    return { final: res, polls };
  }
}

/** POSTs a body to `<baseUrl>/api/jobs/<type>` and returns the response. */
export async function submit(
  baseUrl: string,
  type: string,
  body: string | Buffer | ReadableStream<Uint8Array>,
  contentType = 'text/csv',
  query = '',
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/api/jobs/${type}${query ? `?${query}` : ''}`, {
    method: 'POST',
    headers: { 'Content-Type': contentType, ...headers },
    body,
    ...(typeof body === 'object' && body !== null && 'getReader' in body ? { duplex: 'half' } : {}),
  });
}
