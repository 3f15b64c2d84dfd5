'use strict';
// The part of JMESPath that botocore's waiter acceptors use: field paths
// (`Table.TableStatus`), flatten projections (`Functions[].State`),
// `length(...)`, comparisons with a literal (`length(X[]) > \`0\``) and `&&`.
// Anything else (filters like `[?a == 'b']`) throws; a waiter treats that as
// "this acceptor does not match".

function splitTop(expr, sep) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && expr.startsWith(sep, i)) {
      parts.push(expr.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(expr.slice(start));
  return parts;
}

function compare(op, a, b) {
  switch (op) {
    case '==': return JSON.stringify(a) === JSON.stringify(b);
    case '!=': return JSON.stringify(a) !== JSON.stringify(b);
    default:
      if (typeof a !== 'number' || typeof b !== 'number') return null;
      return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
  }
}

function search(expr, data) {
  expr = expr.trim();
  const ands = splitTop(expr, '&&');
  if (ands.length > 1) return ands.every((e) => search(e, data) === true);
  const cmp = /^(.*?)\s*(==|!=|>=|<=|>|<)\s*`([^`]*)`$/.exec(expr);
  if (cmp) return compare(cmp[2], search(cmp[1], data), JSON.parse(cmp[3]));
  if (expr.includes('[?') || /[|(){}@&]/.test(expr.replace(/^length\((.*)\)$/, '$1'))) {
    throw new Error(`Unsupported JMESPath expression: ${expr}`);
  }
  const len = /^length\((.*)\)$/.exec(expr);
  if (len) {
    const v = search(len[1], data);
    if (Array.isArray(v) || typeof v === 'string') return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    return null;
  }
  let values = [data];
  let projected = false;
  for (const segment of expr.split('.')) {
    const flatten = segment.endsWith('[]');
    const key = flatten ? segment.slice(0, -2) : segment;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$|^$/.test(key)) throw new Error(`Unsupported JMESPath expression: ${expr}`);
    values = values.map((v) => (key === '' ? v : v === null || v === undefined ? undefined : v[key]));
    if (projected) values = values.filter((v) => v !== undefined && v !== null);
    if (flatten) {
      values = values.flatMap((v) => (Array.isArray(v) ? v : []));
      projected = true;
    }
  }
  if (projected) return values;
  return values[0] === undefined ? null : values[0];
}

module.exports = { search };
