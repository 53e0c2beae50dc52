/**
 * The syntax shared by ARM template expressions (`[format('{0}', parameters('x')).name]`) and Logic
 * Apps workflow expressions (`@coalesce(triggerOutputs()?['headers'], '')`): single-quoted strings with
 * `''` as the escape, integers, function calls, `['key']` indexing, `?['key']` null-safe indexing and,
 * in ARM only, `.name` member access and the keywords `true`, `false`, `null`.
 *
 * Sources: https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions and
 * https://learn.microsoft.com/azure/logic-apps/workflow-definition-language-functions-reference.
 * Used by {@link ./armExpressions} and {@link ./logicApps}; each evaluates the tree with its own
 * functions and semantics.
 */

/** A parsed expression. `member` is `target[key]`, `target.key` or (optional) `target?[key]`. */
export type ExpressionNode =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'call'; name: string; args: ExpressionNode[] }
  | { kind: 'member'; target: ExpressionNode; key: ExpressionNode; optional: boolean };

/** What one dialect accepts, and the errors it throws. */
export interface ExpressionDialect {
  /** ARM: `.name` member access. Logic Apps definitions here use `['name']` only. */
  dotMembers: boolean;
  /** ARM: `true`, `false` and `null` are literals. */
  keywordLiterals: boolean;
  /** Error for malformed input (unterminated string, missing `)`, trailing tokens). */
  invalid: (message: string) => Error;
  /** Error for well-formed syntax the dialect (or this subset of it) does not support. */
  unsupported: (message: string) => Error;
}

type Token = { t: 'ident'; v: string } | { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'punct'; v: string };

function tokenize(src: string, dialect: ExpressionDialect): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw dialect.invalid(`Unterminated string in expression: ${src}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'str', v });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      if (m[1]) throw dialect.unsupported(`Decimal literal ${m[0]} in expression: ${src}`);
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$#]*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    } else if ('(),[]?.'.includes(c)) {
      out.push({ t: 'punct', v: c });
      i++;
    } else {
      throw dialect.unsupported(`Unexpected character '${c}' in expression: ${src}`);
    }
  }
  return out;
}

/**
 * Parses one expression (without its `[...]` or `@`/`@{...}` framing).
 * @throws what `dialect.invalid` or `dialect.unsupported` build, with the source in the message.
 */
export function parseExpression(src: string, dialect: ExpressionDialect): ExpressionNode {
  const tokens = tokenize(src, dialect);
  let p = 0;
  const isPunct = (tok: Token | undefined, v: string) => tok?.t === 'punct' && tok.v === v;
  const expect = (v: string) => {
    if (!isPunct(tokens[p++], v)) throw dialect.invalid(`Expected '${v}' in expression: ${src}`);
  };
  const expr = (): ExpressionNode => {
    const tok = tokens[p++];
    if (!tok) throw dialect.invalid(`Unexpected end of expression: ${src}`);
    let node: ExpressionNode;
    if (tok.t === 'str' || tok.t === 'num') node = { kind: 'literal', value: tok.v };
    else if (tok.t === 'ident' && dialect.keywordLiterals && ['true', 'false', 'null'].includes(tok.v) && !isPunct(tokens[p], '('))
      node = { kind: 'literal', value: tok.v === 'null' ? null : tok.v === 'true' };
    else if (tok.t === 'ident') {
      if (!isPunct(tokens[p], '(')) throw dialect.unsupported(`Bare identifier '${tok.v}' in expression: ${src}`);
      p++;
      const args: ExpressionNode[] = [];
      if (isPunct(tokens[p], ')')) p++;
      else {
        for (;;) {
          args.push(expr());
          const sep = tokens[p++];
          if (isPunct(sep, ')')) break;
          if (!isPunct(sep, ',')) throw dialect.invalid(`Expected ',' or ')' in expression: ${src}`);
        }
      }
      node = { kind: 'call', name: tok.v, args };
    } else throw dialect.invalid(`Unexpected '${tok.v}' in expression: ${src}`);
    for (;;) {
      const next = tokens[p];
      if (isPunct(next, '.')) {
        if (!dialect.dotMembers) throw dialect.unsupported(`Dot property access in expression: ${src}`);
        const name = tokens[p + 1];
        if (name?.t !== 'ident') throw dialect.invalid(`Expected a member name after '.' in expression: ${src}`);
        p += 2;
        node = { kind: 'member', target: node, key: { kind: 'literal', value: name.v }, optional: false };
        continue;
      }
      let optional = false;
      if (isPunct(next, '?')) {
        const after = tokens[p + 1];
        if (isPunct(after, '.')) throw dialect.unsupported(`'?.' property access in expression: ${src}`);
        if (!isPunct(after, '[')) throw dialect.invalid(`Expected '[' after '?' in expression: ${src}`);
        optional = true;
        p++;
      } else if (!isPunct(next, '[')) break;
      p++;
      const key = expr();
      expect(']');
      node = { kind: 'member', target: node, key, optional };
    }
    return node;
  };
  const node = expr();
  if (p !== tokens.length) throw dialect.invalid(`Unexpected trailing tokens in expression: ${src}`);
  return node;
}
