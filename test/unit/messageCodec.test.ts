import {
  decodeBase64Strict,
  encodeJobMessage,
  InvalidMessageError,
  type JobMessage,
  jobMessageSchema,
  maxEncodedMessageBytes,
  parseJobMessage,
} from '../../src/core/jobs/messageCodec';

// ------------------------------------------------------------------------------------------------
// Fixtures

const jobId = 'a8098c1a-f86e-41b3-9c2d-0e1f2a3b4c5d';
const minimal: JobMessage = { v: 1, jobId, type: 'csv-report' };
const full: JobMessage = { v: 1, jobId, type: 'csv-report', correlationId: '4bf92f3577b34da6a3ce929d0e0e4736' };
/** The largest message the schema allows. */
const largest: JobMessage = { v: 1, jobId, type: 't'.repeat(64), correlationId: '✓'.repeat(128) };

/** Decodes what encodeJobMessage produced the way the queue trigger does, then validates it. */
const roundTrip = (m: JobMessage): JobMessage => parseJobMessage(decodeBase64Strict(encodeJobMessage(m)).toString('utf8'));

function invalidMessage(fn: () => unknown): InvalidMessageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError);
    expect((err as Error).name).toBe('InvalidMessageError');
    return err as InvalidMessageError;
  }
  throw new Error('expected an InvalidMessageError');
}

// ------------------------------------------------------------------------------------------------

describe('round trip', () => {
  test.each([
    ['minimal', minimal],
    ['with correlation id', full],
    ['largest allowed, non-ASCII correlation id', largest],
    ['correlation id with JSON-special characters', { ...minimal, correlationId: 'a"b\\c\n\u0000' }],
  ])('%s: encode → base64 → decodeBase64Strict → parseJobMessage', (_what, message) => {
    expect(roundTrip(message)).toEqual(message);
  });

  test('the encoded text is base64 of the UTF-8 JSON (what the trigger with messageEncoding base64 expects)', () => {
    const encoded = encodeJobMessage(full);
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(encoded.length % 4).toBe(0);
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual(full);
  });

  test('the host may hand the message over already parsed (JSON body): parsed objects are accepted', () => {
    const delivered: unknown = JSON.parse(decodeBase64Strict(encodeJobMessage(full)).toString('utf8'));
    expect(parseJobMessage(delivered)).toEqual(full);
  });

  test('decodeBase64Strict agrees with Buffer on valid input of every padding length', () => {
    for (const text of ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar', '\u00ff\u00fe']) {
      const b64 = Buffer.from(text, 'latin1').toString('base64');
      expect(decodeBase64Strict(b64).equals(Buffer.from(text, 'latin1'))).toBe(true);
    }
  });
});

describe('decodeBase64Strict', () => {
  const valid = Buffer.from('{"v":1}', 'utf8').toString('base64'); // eyJ2IjoxfQ==

  test.each([
    ['missing padding', valid.replace(/=+$/, '')],
    ['too much padding', `${valid}=`],
    ['padding in the middle', `${valid}${valid}`],
    ['a space inside', `${valid.slice(0, 4)} ${valid.slice(4)}`],
    ['a line break inside', `${valid.slice(0, 4)}\n${valid.slice(4)}`],
    ['leading whitespace', ` ${valid}`],
    ['base64url alphabet (- and _)', 'ab-_'],
    ['characters outside the alphabet', 'ab$d'],
    ['a dot', 'YWJj.ZGVm'],
    ['length not a multiple of 4', 'YWJjZ'],
    ['single padding after two characters', 'YW=='.slice(0, 3)],
    ['three padding characters', 'Y==='],
    ['non-ASCII', 'YWJjZGVm€'],
  ])('rejects %s (%j), which Buffer.from would silently accept', (_what, text) => {
    // The point of the strict decoder: Node does not complain about any of these.
    expect(() => Buffer.from(text, 'base64')).not.toThrow();
    const err = invalidMessage(() => decodeBase64Strict(text));
    expect(err.message).toMatch(/base64/i);
  });

  test('a strict rejection ends parsing before JSON or schema validation', () => {
    // Buffer would turn this into almost valid JSON bytes; the strict decoder refuses it outright.
    const sloppy = encodeJobMessage(full).replace(/=+$/, '');
    expect(() => JSON.parse(Buffer.from(sloppy, 'base64').toString('utf8'))).not.toThrow();
    invalidMessage(() => decodeBase64Strict(sloppy));
  });
});

describe('parseJobMessage', () => {
  test('accepts a JSON string and a parsed object alike', () => {
    expect(parseJobMessage(JSON.stringify(full))).toEqual(full);
    expect(parseJobMessage({ ...full })).toEqual(full);
    expect(parseJobMessage(JSON.stringify(minimal))).toEqual(minimal);
    expect(parseJobMessage(minimal)).not.toHaveProperty('correlationId');
  });

  test.each([
    ['not JSON', 'hello'],
    ['truncated JSON', JSON.stringify(full).slice(0, -1)],
    ['empty string', ''],
  ])('a string that is %s → InvalidMessageError (not JSON)', (_what, text) => {
    expect(invalidMessage(() => parseJobMessage(text)).message).toMatch(/not JSON/);
  });

  test.each<[string, unknown]>([
    ['an extra key', { ...full, input: 'inline data' }],
    ['schema version 2', { ...full, v: 2 }],
    ['version as a string', { ...full, v: '1' }],
    ['no version', { jobId, type: 'csv-report' }],
    ['no jobId', { v: 1, type: 'csv-report' }],
    ['a jobId that is not a UUID', { ...full, jobId: '../../etc/passwd' }],
    ['a UUID that is not v4', { ...full, jobId: 'a8098c1a-f86e-11b3-9c2d-0e1f2a3b4c5d' }],
    ['an empty type', { ...full, type: '' }],
    ['a type over 64 characters', { ...full, type: 't'.repeat(65) }],
    ['a correlation id over 128 characters', { ...full, correlationId: 'c'.repeat(129) }],
    ['a numeric correlation id', { ...full, correlationId: 42 }],
    ['null', null],
    ['a number', 42],
    ['an array', [full]],
    ['a JSON string of a JSON string', JSON.stringify(JSON.stringify(full))],
    ['a JSON array', JSON.stringify([full])],
  ])('rejects %s with InvalidMessageError', (_what, delivered) => {
    invalidMessage(() => parseJobMessage(delivered));
  });

  test('the rejection names the offending field', () => {
    expect(invalidMessage(() => parseJobMessage({ ...full, jobId: 'nope' })).message).toContain('jobId');
  });
});

describe('encodeJobMessage', () => {
  test.each<[string, unknown]>([
    ['an extra key', { ...full, extra: true }],
    ['a bad jobId', { ...full, jobId: 'not-a-uuid' }],
    ['a missing type', { v: 1, jobId }],
    ['version 2', { ...full, v: 2 }],
    ['a type over 64 characters', { ...full, type: 'x'.repeat(65) }],
  ])('rejects %s', (_what, message) => {
    expect(invalidMessage(() => encodeJobMessage(message as JobMessage)).message).toMatch(/Invalid job message/);
  });

  test('the limit is 64 KiB and even the largest valid message is far below it', () => {
    expect(maxEncodedMessageBytes).toBe(65_536);
    const size = encodeJobMessage(largest).length;
    // 64 + 128 × 3 UTF-8 bytes + JSON overhead, × 4/3 for base64: well under 1 KiB.
    expect(size).toBeLessThan(1024);
    expect(size * 32).toBeLessThan(maxEncodedMessageBytes);
  });

  test('the schema is strict (extra keys are rejected, not stripped)', () => {
    expect(jobMessageSchema.safeParse({ ...full, extra: 1 }).success).toBe(false);
  });
});
