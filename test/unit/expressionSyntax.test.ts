/**
 * The expression syntax ARM templates and Logic Apps definitions share (test/support/expressionSyntax.ts),
 * parsed in each dialect: what both accept gives the same tree, and each dialect refuses what it must.
 */
import { type ExpressionDialect, parseExpression } from '../support/expressionSyntax';

class Invalid extends Error {}
class Unsupported extends Error {}
const dialect = (dotMembers: boolean, keywordLiterals: boolean): ExpressionDialect => ({
  dotMembers,
  keywordLiterals,
  invalid: (m) => new Invalid(m),
  unsupported: (m) => new Unsupported(m),
});
const arm = dialect(true, true);
const workflow = dialect(false, false);

describe('expression syntax', () => {
  it("parses calls, '' escapes, integers and null-safe indexing alike in both dialects", () => {
    const src = "coalesce(triggerOutputs()?['headers']['It''s'], -42, 'a,b')";
    const expected = {
      kind: 'call',
      name: 'coalesce',
      args: [
        {
          kind: 'member',
          optional: false,
          key: { kind: 'literal', value: "It's" },
          target: {
            kind: 'member',
            optional: true,
            key: { kind: 'literal', value: 'headers' },
            target: { kind: 'call', name: 'triggerOutputs', args: [] },
          },
        },
        { kind: 'literal', value: -42 },
        { kind: 'literal', value: 'a,b' },
      ],
    };
    expect(parseExpression(src, arm)).toEqual(expected);
    expect(parseExpression(src, workflow)).toEqual(expected);
  });

  it('ARM reads `.name` members and keyword literals; the workflow subset refuses them as unsupported', () => {
    expect(parseExpression("parameters('p').properties.name", arm)).toEqual({
      kind: 'member',
      optional: false,
      key: { kind: 'literal', value: 'name' },
      target: {
        kind: 'member',
        optional: false,
        key: { kind: 'literal', value: 'properties' },
        target: { kind: 'call', name: 'parameters', args: [{ kind: 'literal', value: 'p' }] },
      },
    });
    expect(parseExpression('if(true, null, false)', arm)).toEqual({
      kind: 'call',
      name: 'if',
      args: [true, null, false].map((value) => ({ kind: 'literal', value })),
    });
    expect(() => parseExpression("parameters('p').name", workflow)).toThrow(Unsupported);
    expect(() => parseExpression('if(true, 1, 2)', workflow)).toThrow(Unsupported);
  });

  it.each([
    ["concat('a'", Invalid],
    ["'unterminated", Invalid],
    ["concat('a') 'b'", Invalid],
    ['x()?.y', Unsupported],
    ['add(1.5, 2)', Unsupported],
    ['a() + b()', Unsupported],
  ])('refuses %s with the dialect’s own error', (src, error) => {
    expect(() => parseExpression(src, arm)).toThrow(error);
    expect(() => parseExpression(src, workflow)).toThrow(error);
  });
});
