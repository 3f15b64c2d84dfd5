'use strict';
// The shared runtime of Petrel's built-in AWS SDK for JavaScript v3. Each
// @aws-sdk/client-* package is a model.json generated from botocore's service
// model (scripts/gen-sdk-v3.py) plus one call to service(model) here, which
// builds what v3 exports: the bare client (send, config, destroy,
// middlewareStack), the aggregated client (client.putItem(...)), a Command
// class per operation, error classes, paginators, waiters and enums.
//
// Protocols: AWS JSON 1.0 / 1.1 (X-Amz-Target) and REST-JSON (URI labels,
// query string, headers, payload members). SigV4 is sdk/sigv4.js, shared with
// the v2 aws-sdk. Credentials, region and endpoint come from the client's
// configuration or, as in v3, from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, AWS_REGION and AWS_ENDPOINT_URL(_<SERVICE>).
// http, https and crypto are loaded on the first request, not at require time.

// sigv4 (and with it crypto) and the JMESPath subset load on first use.
const lazy = (file) => { let m; return () => m || (m = require(file)); };
const sigv4 = lazy('../sigv4.js');
const jmespath = lazy('./jmespath.js');

const env = process.env;
const VERSION = '3.699.0';
const OPERATION = Symbol('petrel.operation');

// ---------------------------------------------------------------------------
// Blobs

// What v3 returns for a streaming or payload blob (Lambda's Invoke Payload).
class Uint8ArrayBlobAdapter extends Uint8Array {
  static fromString(source, encoding = 'utf-8') {
    return Uint8ArrayBlobAdapter.mutate(Buffer.from(source, encoding === 'base64' ? 'base64' : 'utf8'));
  }

  static mutate(bytes) {
    return new Uint8ArrayBlobAdapter(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  transformToString(encoding = 'utf-8') {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString(encoding === 'base64' ? 'base64' : encoding);
  }

  transformToByteArray() {
    return new Uint8Array(this.buffer, this.byteOffset, this.byteLength);
  }
}

function toBytes(v) {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`Expected a Uint8Array, Buffer or string for a blob, got ${typeof v}`);
}

function fromBase64(text) {
  const b = Buffer.from(String(text), 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

// ---------------------------------------------------------------------------
// Timestamps

function toDate(v) {
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v * 1000);
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return new Date(Number(v) * 1000);
  return new Date(v);
}

function formatTime(v, format) {
  const d = toDate(v);
  if (format === 'iso8601') return d.toISOString().replace('.000Z', 'Z');
  if (format === 'rfc822') return d.toUTCString();
  return Math.round(d.getTime()) / 1000;
}

// ---------------------------------------------------------------------------
// Walking values along the model's shapes. A member target of null or '#type'
// is plain JSON both ways; only kept shapes need work.

function isPlain(ref) {
  return !ref || ref[0] === '#';
}

function toWire(model, ref, v) {
  if (v === undefined || v === null || isPlain(ref)) return v;
  const s = model.shapes[ref];
  switch (s.t) {
    case 'blob': return toBytes(v).toString('base64');
    case 'timestamp': return formatTime(v, s.f || 'unixTimestamp');
    case 'list': return Array.from(v, (x) => toWire(model, s.v, x));
    case 'map': {
      const out = {};
      for (const k of Object.keys(v)) out[k] = toWire(model, s.v, v[k]);
      return out;
    }
    case 'structure': {
      if (typeof v !== 'object') return v;
      const out = {};
      for (const k of Object.keys(v)) {
        const m = s.m[k];
        if (m && m.l) continue; // bound to the URI, a header, the status code
        out[(m && m.n) || k] = m ? toWire(model, m.s, v[k]) : v[k];
      }
      for (const k of Object.keys(s.m)) {
        if (s.m[k].i && out[k] === undefined) out[k] = require('crypto').randomUUID();
      }
      return out;
    }
    default: return v;
  }
}

function fromWire(model, ref, v) {
  if (v === undefined || v === null || isPlain(ref)) return v;
  const s = model.shapes[ref];
  switch (s.t) {
    case 'blob': return fromBase64(v);
    case 'timestamp': return toDate(v);
    case 'list': return Array.isArray(v) ? v.map((x) => fromWire(model, s.v, x)) : v;
    case 'map': {
      const out = {};
      for (const k of Object.keys(v)) out[k] = fromWire(model, s.v, v[k]);
      return out;
    }
    case 'structure': {
      if (typeof v !== 'object') return v;
      const renamed = {};
      for (const k of Object.keys(s.m)) if (s.m[k].n && !s.m[k].l) renamed[s.m[k].n] = k;
      const out = {};
      for (const k of Object.keys(v)) {
        const name = renamed[k] || k;
        const m = s.m[name];
        out[name] = m ? fromWire(model, m.s, v[k]) : v[k];
      }
      return out;
    }
    default: return v;
  }
}

function primitiveFromText(model, ref, text) {
  const type = isPlain(ref) ? (ref || '#string').slice(1) : model.shapes[ref].t;
  switch (type) {
    case 'integer': case 'long': case 'double': case 'float': return Number(text);
    case 'boolean': return text === 'true';
    case 'timestamp': return toDate(text);
    default: return text;
  }
}

function uriEscape(s) {
  return sigv4().uriEscape(s);
}

function primitiveToText(model, ref, v, timeFormat) {
  if (v instanceof Date || (!isPlain(ref) && model.shapes[ref].t === 'timestamp')) {
    return String(formatTime(v, (!isPlain(ref) && model.shapes[ref].f) || timeFormat));
  }
  return String(v);
}

// ---------------------------------------------------------------------------
// Requests: an HttpRequest as smithy has it ({method, protocol, hostname, port,
// path, query, headers, body}), made from a command's input.

function serialize(model, opName, input, endpoint) {
  const op = model.operations[opName];
  const req = {
    method: 'POST', protocol: endpoint.protocol, hostname: endpoint.hostname, port: endpoint.port,
    path: endpoint.path.replace(/\/$/, '') || '', query: {}, headers: {}, body: undefined,
  };
  if (model.protocol === 'json') {
    req.path = req.path || '/';
    req.headers['content-type'] = `application/x-amz-json-${model.jsonVersion}`;
    req.headers['x-amz-target'] = `${model.targetPrefix}.${opName}`;
    req.body = JSON.stringify(op.i ? toWire(model, op.i, input) : input);
    return req;
  }
  // REST-JSON
  const [method, uri] = op.h;
  const shape = model.shapes[op.i] || { m: {} };
  req.method = method;
  const [uriPath, fixedQuery] = uri.split('?');
  const labels = {};
  for (const [name, m] of Object.entries(shape.m)) {
    const v = input[name];
    if (!m.l) continue;
    if (m.l === 'uri') labels[m.n || name] = name;
    if (v === undefined || v === null) continue;
    if (m.l === 'querystring') {
      if (!isPlain(m.s) && model.shapes[m.s].t === 'map') {
        for (const [k, x] of Object.entries(v)) req.query[k] = String(x);
      } else if (Array.isArray(v)) {
        req.query[m.n || name] = v.map((x) => primitiveToText(model, null, x, 'iso8601'));
      } else {
        req.query[m.n || name] = primitiveToText(model, m.s, v, 'iso8601');
      }
    } else if (m.l === 'header') {
      req.headers[(m.n || name).toLowerCase()] = m.jv
        ? Buffer.from(JSON.stringify(v)).toString('base64')
        : Array.isArray(v) ? v.join(', ') : primitiveToText(model, m.s, v, 'rfc822');
    } else if (m.l === 'headers') {
      for (const [k, x] of Object.entries(v)) req.headers[((m.n || '') + k).toLowerCase()] = String(x);
    }
  }
  req.path += uriPath.replace(/\{([^}+]+)(\+)?\}/g, (_, label, greedy) => {
    const member = labels[label] || label;
    const v = input[member];
    if (v === undefined || v === null || v === '') throw new Error(`No value provided for input HTTP label: ${member}.`);
    const text = String(v);
    return greedy ? text.split('/').map(uriEscape).join('/') : uriEscape(text);
  });
  if (fixedQuery) {
    for (const kv of fixedQuery.split('&')) {
      const [k, x = ''] = kv.split('=');
      req.query[k] = x;
    }
  }
  if (shape.p) {
    const m = shape.m[shape.p] || {};
    const v = input[shape.p];
    const t = isPlain(m.s) ? (m.s || '#structure').slice(1) : model.shapes[m.s].t;
    if (t === 'blob' || t === 'string') {
      if (v !== undefined && v !== null) {
        req.body = t === 'blob' ? toBytes(v) : String(v);
        if (!req.headers['content-type']) req.headers['content-type'] = 'application/octet-stream';
      }
    } else if (v !== undefined && v !== null) {
      req.body = JSON.stringify(toWire(model, m.s, v));
      req.headers['content-type'] = 'application/json';
    }
  } else {
    const body = toWire(model, op.i, input) || {};
    if (Object.keys(body).length > 0 || !['GET', 'HEAD', 'DELETE'].includes(method)) {
      req.body = JSON.stringify(body);
      req.headers['content-type'] = 'application/json';
    }
  }
  return req;
}

function lowerHeaders(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

function parseJson(text) {
  if (!text || !text.length) return {};
  try {
    return JSON.parse(text);
  } catch (_) {
    return {};
  }
}

function deserialize(model, opName, response) {
  const op = model.operations[opName];
  const body = response.body;
  if (model.protocol === 'json') {
    const data = parseJson(body.toString('utf8'));
    return op.o ? fromWire(model, op.o, data) : data;
  }
  const shape = model.shapes[op.o] || { m: {} };
  const out = {};
  const headers = response.headers;
  for (const [name, m] of Object.entries(shape.m)) {
    if (m.l === 'statusCode') {
      out[name] = response.statusCode;
    } else if (m.l === 'header') {
      const v = headers[(m.n || name).toLowerCase()];
      if (v === undefined) continue;
      out[name] = m.jv ? JSON.parse(Buffer.from(v, 'base64').toString('utf8')) : primitiveFromText(model, m.s, v);
    } else if (m.l === 'headers') {
      const prefix = (m.n || '').toLowerCase();
      const map = {};
      for (const [k, v] of Object.entries(headers)) if (k.startsWith(prefix)) map[k.slice(prefix.length)] = v;
      out[name] = map;
    }
  }
  if (shape.p) {
    const m = shape.m[shape.p] || {};
    const t = isPlain(m.s) ? (m.s || '#structure').slice(1) : model.shapes[m.s].t;
    if (t === 'blob') out[shape.p] = Uint8ArrayBlobAdapter.mutate(body);
    else if (t === 'string') out[shape.p] = body.toString('utf8');
    else if (body.length) out[shape.p] = fromWire(model, m.s, parseJson(body.toString('utf8')));
  } else if (body.length) {
    const data = fromWire(model, op.o, parseJson(body.toString('utf8')));
    for (const k of Object.keys(data)) if (out[k] === undefined) out[k] = data[k];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Errors

class ServiceException extends Error {
  constructor(options) {
    super(options.message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = options.name;
    this.$fault = options.$fault;
    this.$metadata = options.$metadata;
  }
}

function errorCode(response, data) {
  let code = response.headers['x-amzn-errortype'] || data.__type || data.code || data.Code || '';
  code = String(code).split(':')[0];
  if (code.includes('#')) code = code.slice(code.lastIndexOf('#') + 1);
  return code;
}

function metadataOf(response, attempts, totalRetryDelay) {
  const h = (response && response.headers) || {};
  const md = {
    httpStatusCode: response ? response.statusCode : undefined,
    requestId: h['x-amzn-requestid'] || h['x-amzn-request-id'] || h['x-amz-request-id'],
    extendedRequestId: h['x-amz-id-2'],
    cfId: h['x-amz-cf-id'],
    attempts,
    totalRetryDelay,
  };
  return md;
}

// ---------------------------------------------------------------------------
// HTTP, retries

const TRANSIENT = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'ThrottledException', 'RequestThrottledException',
  'TooManyRequestsException', 'ProvisionedThroughputExceededException', 'TransactionInProgressException',
  'RequestLimitExceeded', 'BandwidthLimitExceeded', 'LimitExceededException', 'RequestThrottled',
  'SlowDown', 'PriorRequestNotComplete', 'EC2ThrottledException']);

function isRetryable(err) {
  if (err.$metadata && err.$metadata.httpStatusCode === undefined) return TRANSIENT.has(err.code) || err.name === 'TimeoutError';
  const status = err.$metadata && err.$metadata.httpStatusCode;
  return THROTTLING.has(err.name) || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

function sendHttp(client, req, options) {
  const mod = req.protocol === 'https:' ? require('https') : require('http');
  const handler = client.config.requestHandler || {};
  const agent = req.protocol === 'https:' ? (handler.httpsAgent || client._agent('https')) : (handler.httpAgent || client._agent('http'));
  const query = queryString(req.query);
  return new Promise((resolve, reject) => {
    const r = mod.request({
      protocol: req.protocol, hostname: req.hostname, port: req.port, method: req.method,
      path: req.path + (query ? '?' + query : ''), headers: req.headers, agent,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.on('error', reject);
    const timeout = (options && options.requestTimeout) || handler.requestTimeout;
    if (timeout) {
      r.setTimeout(timeout, () => {
        const e = new Error(`Connection timed out after ${timeout} ms`);
        e.name = 'TimeoutError';
        r.destroy(e);
      });
    }
    const signal = options && options.abortSignal;
    if (signal) {
      const abort = () => {
        const e = new Error('Request aborted');
        e.name = 'AbortError';
        r.destroy(e);
      };
      if (signal.aborted) abort();
      else if (signal.addEventListener) signal.addEventListener('abort', abort, { once: true });
      else signal.onabort = abort;
    }
    r.end(req.body);
  });
}

function queryString(query) {
  const parts = [];
  for (const k of Object.keys(query).sort()) {
    for (const v of [].concat(query[k])) parts.push(uriEscape(k) + '=' + uriEscape(String(v)));
  }
  return parts.join('&');
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// One operation over the wire: sign, send, retry what v3's standard retry
// strategy retries (throttling, 5xx, transient network errors), parse.
async function transmit(client, svc, opName, request, options) {
  const model = svc.model;
  const maxAttempts = await client.config.maxAttempts();
  const region = await client.config.region();
  let attempts = 0;
  let totalRetryDelay = 0;
  for (;;) {
    attempts++;
    const creds = await client.config.credentials();
    const req = Object.assign({}, request, { headers: Object.assign({}, request.headers) });
    req.headers.host = req.hostname + (req.port && !((req.protocol === 'http:' && req.port == 80) || (req.protocol === 'https:' && req.port == 443)) ? ':' + req.port : '');
    req.headers['x-amz-user-agent'] = `aws-sdk-js/${VERSION}`;
    req.headers['user-agent'] = `aws-sdk-js/${VERSION} ua/2.1 os/${process.platform} lang/js md/nodejs#${process.versions.node} api/${model.serviceId.toLowerCase().replace(/ /g, '-')}#${VERSION} exec-env/${env.AWS_EXECUTION_ENV || ''}`;
    req.headers['amz-sdk-request'] = `attempt=${attempts}; max=${maxAttempts}`;
    if (req.body !== undefined) req.headers['content-length'] = String(Buffer.byteLength(req.body));
    const query = queryString(req.query);
    const spec = { method: req.method, path: req.path + (query ? '?' + query : ''), headers: req.headers, body: req.body };
    sigv4().sign(spec, creds, (options && options.signingRegion) || region, model.signingName);
    let err;
    let response;
    try {
      response = await sendHttp(client, req, options);
    } catch (e) {
      err = e;
      err.$metadata = metadataOf(undefined, attempts, totalRetryDelay);
    }
    if (response) {
      response.headers = lowerHeaders(response.headers);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      if (ok) return { response, $metadata: metadataOf(response, attempts, totalRetryDelay) };
      err = svc.errorFrom(response, metadataOf(response, attempts, totalRetryDelay));
    }
    if (err.name === 'AbortError' || attempts >= maxAttempts || !isRetryable(err)) throw err;
    const base = THROTTLING.has(err.name) ? 500 : 100;
    const delay = Math.floor(Math.random() * Math.min(20000, base * 2 ** (attempts - 1)));
    totalRetryDelay += delay;
    await sleep(delay);
  }
}

// ---------------------------------------------------------------------------
// Middleware stack (the subset most code uses: add with a step, remove, use).

const STEPS = ['initialize', 'serialize', 'build', 'finalizeRequest', 'deserialize'];
const PRIORITY = { high: 0, normal: 1, low: 2 };

class MiddlewareStack {
  constructor() {
    this.entries = [];
  }

  add(middleware, options = {}) {
    this.entries.push({ middleware, step: options.step || 'initialize', priority: options.priority || 'normal',
      name: options.name, tags: options.tags || [] });
  }

  addRelativeTo(middleware, options = {}) {
    this.add(middleware, Object.assign({ step: 'build' }, options));
  }

  remove(toRemove) {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.name !== toRemove && e.middleware !== toRemove);
    return this.entries.length !== before;
  }

  removeByTag(tag) {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !e.tags.includes(tag));
    return this.entries.length !== before;
  }

  use(plugin) {
    plugin.applyToStack(this);
  }

  clone() {
    const s = new MiddlewareStack();
    s.entries = this.entries.slice();
    return s;
  }

  concat(other) {
    const s = this.clone();
    s.entries.push(...other.entries);
    return s;
  }

  identify() {
    return this.entries.map((e) => `${e.name || 'anonymous'} - ${e.step}`);
  }

  sorted() {
    return this.entries.map((e, i) => [e, i]).sort((a, b) =>
      STEPS.indexOf(a[0].step) - STEPS.indexOf(b[0].step) ||
      PRIORITY[a[0].priority] - PRIORITY[b[0].priority] || a[1] - b[1]).map((x) => x[0]);
  }

  resolve(handler, context) {
    for (const e of this.sorted().reverse()) handler = e.middleware(handler, context);
    return handler;
  }
}

// ---------------------------------------------------------------------------
// Configuration

function parseEndpoint(value) {
  if (value && typeof value === 'object' && !(value instanceof URL) && value.hostname) {
    return { protocol: value.protocol || 'https:', hostname: value.hostname,
      port: value.port ? Number(value.port) : undefined, path: value.path || '/' };
  }
  const u = new URL(String(value && value.url ? value.url : value));
  return { protocol: u.protocol, hostname: u.hostname, port: u.port ? Number(u.port) : undefined,
    path: u.pathname || '/' };
}

function asProvider(v) {
  return typeof v === 'function' ? v : async () => v;
}

function resolveConfig(model, input) {
  const config = Object.assign({}, input);
  const region = input.region;
  config.region = async () => {
    const r = typeof region === 'function' ? await region() : region || env.AWS_REGION;
    if (!r) throw new Error('Region is missing');
    return r;
  };
  const creds = input.credentials;
  config.credentials = async () => {
    const c = typeof creds === 'function' ? await creds() : creds ||
      (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? {
        accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN,
      } : undefined);
    if (!c) {
      const e = new Error('Could not load credentials from any providers');
      e.name = 'CredentialsProviderError';
      throw e;
    }
    return c;
  };
  if (input.endpoint !== undefined) {
    const ep = input.endpoint;
    config.endpoint = async () => parseEndpoint(typeof ep === 'function' ? await ep() : ep);
  }
  const attempts = input.maxAttempts;
  config.maxAttempts = async () => {
    const n = typeof attempts === 'function' ? await attempts() : attempts;
    return Number(n || env.AWS_MAX_ATTEMPTS || 3);
  };
  config.serviceId = model.serviceId;
  config.apiVersion = model.apiVersion;
  config.runtime = 'node';
  config.logger = input.logger || { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  config.useFipsEndpoint = asProvider(Boolean(input.useFipsEndpoint));
  config.useDualstackEndpoint = asProvider(Boolean(input.useDualstackEndpoint));
  return config;
}

// The endpoint a request goes to: the client's `endpoint`, else
// AWS_ENDPOINT_URL_<SERVICE_ID> or AWS_ENDPOINT_URL (what Petrel sets for its
// functions), else AWS's own.
async function endpointOf(client, model) {
  if (client.config.endpoint) return client.config.endpoint();
  if (!/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS || '')) {
    const own = env['AWS_ENDPOINT_URL_' + model.serviceId.toUpperCase().replace(/ /g, '_')];
    if (own || env.AWS_ENDPOINT_URL) return parseEndpoint(own || env.AWS_ENDPOINT_URL);
  }
  return parseEndpoint(`https://${model.endpointPrefix}.${await client.config.region()}.amazonaws.com`);
}

// ---------------------------------------------------------------------------
// Paginators and waiters

function getPath(obj, path) {
  let cur = obj;
  for (const key of path.split('.')) {
    if (cur === undefined || cur === null) return undefined;
    cur = cur[key];
  }
  return cur;
}

function paginator(Client, Cmd, spec, clientNames) {
  return async function* paginate(config, input, ...rest) {
    if (!(config.client instanceof Client)) {
      throw new Error(`Invalid client, expected ${clientNames}`);
    }
    let token = config.startingToken;
    let hasNext = true;
    while (hasNext) {
      const request = Object.assign({}, input);
      if (token !== undefined) {
        if (spec.in.length === 1) request[spec.in[0]] = token;
        else spec.in.forEach((k, i) => { request[k] = token[i]; });
      }
      if (config.pageSize && spec.limit) request[spec.limit] = config.pageSize;
      const page = await config.client.send(new Cmd(request), ...rest);
      const prev = token;
      const outs = spec.out.map((p) => getPath(page, p));
      token = spec.out.length === 1 ? outs[0] : (outs.every((x) => x === undefined) ? undefined : outs);
      hasNext = !!(token && (!config.stopOnSameToken || token !== prev));
      if (spec.more && !getPath(page, spec.more)) hasNext = false;
      yield page;
    }
    return undefined;
  };
}

function acceptorMatches(a, output, error) {
  switch (a.matcher) {
    case 'error':
      if (a.expected === true) return !!error;
      if (a.expected === false) return !error;
      return !!error && (error.name === a.expected || error.Code === a.expected);
    case 'status': {
      const md = (error || output || {}).$metadata || {};
      return md.httpStatusCode === a.expected;
    }
    default: {
      if (error) return false;
      let v;
      try {
        v = jmespath().search(a.argument, output);
      } catch (_) {
        return false; // an expression this evaluator does not know never matches
      }
      if (a.matcher === 'path') return v === a.expected;
      if (!Array.isArray(v) || v.length === 0) return false;
      return a.matcher === 'pathAll' ? v.every((x) => x === a.expected) : v.some((x) => x === a.expected);
    }
  }
}

function waiter(Client, Cmd, spec) {
  return async function runWaiter(params, input) {
    const minDelay = params.minDelay || spec.delay;
    const maxDelay = params.maxDelay || 120;
    const maxWaitTime = params.maxWaitTime;
    if (!(maxWaitTime > 0)) throw new Error('WaiterConfiguration.maxWaitTime must be greater than 0');
    if (!(minDelay > 0)) throw new Error('WaiterConfiguration.minDelay must be greater than 0');
    if (maxDelay < minDelay) {
      throw new Error(`WaiterConfiguration.maxDelay [${maxDelay}] must be greater than WaiterConfiguration.minDelay [${minDelay}] for this waiter`);
    }
    const deadline = Date.now() + maxWaitTime * 1000;
    const observedResponses = {};
    const ceiling = Math.log(maxDelay / minDelay) / Math.log(2) + 1;
    for (let attempt = 1; ; attempt++) {
      if (params.abortSignal && params.abortSignal.aborted) return { state: 'ABORTED', observedResponses };
      let output;
      let error;
      try {
        output = await params.client.send(new Cmd(input));
      } catch (e) {
        error = e;
      }
      const seen = error ? `${error.name}: ${error.message}` : `${output.$metadata.httpStatusCode}`;
      observedResponses[seen] = (observedResponses[seen] || 0) + 1;
      const hit = spec.acceptors.find((a) => acceptorMatches(a, output, error));
      if (hit && hit.state !== 'retry') {
        return { state: hit.state === 'success' ? 'SUCCESS' : 'FAILURE', reason: error || output, observedResponses };
      }
      const top = attempt > ceiling ? maxDelay : minDelay * 2 ** (attempt - 1);
      const delay = attempt > ceiling ? maxDelay : minDelay + Math.random() * (top - minDelay);
      if (Date.now() + delay * 1000 > deadline) return { state: 'TIMEOUT', observedResponses };
      await sleep(delay * 1000);
    }
  };
}

function checkWaiterResult(result) {
  if (result.state === 'ABORTED') {
    const e = new Error(JSON.stringify(Object.assign({}, result, { reason: 'Request was aborted' })));
    e.name = 'AbortError';
    throw e;
  }
  if (result.state === 'TIMEOUT') {
    const e = new Error(JSON.stringify(Object.assign({}, result, { reason: 'Waiter has timed out' })));
    e.name = 'TimeoutError';
    throw e;
  }
  if (result.state !== 'SUCCESS') throw new Error(JSON.stringify(result));
  return result;
}

// ---------------------------------------------------------------------------
// A service's exports, built from its model.

function named(cls, name) {
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

function service(model) {
  const base = model.name;
  const out = {};

  // Errors: one class per exception shape, all under <Service>ServiceException.
  const Base = named(class extends ServiceException {
    constructor(options) {
      super(options);
      Object.setPrototypeOf(this, new.target.prototype);
    }
  }, `${base}ServiceException`);
  out[`${base}ServiceException`] = Base;
  const byCode = {};
  for (const [name, [fault, status, code]] of Object.entries(model.errors)) {
    const C = named(class extends Base {
      constructor(options = {}) {
        super(Object.assign({ name, $fault: fault, message: options.message }, options, { name, $fault: fault }));
        Object.setPrototypeOf(this, new.target.prototype);
      }
    }, name);
    C.prototype.$defaultStatus = status;
    out[name] = C;
    byCode[name] = C;
    if (code) byCode[code] = C;
  }

  const svc = { model };
  svc.errorFrom = (response, $metadata) => {
    const data = parseJson(response.body.toString('utf8'));
    const code = errorCode(response, data);
    const message = data.message || data.Message || data.errorMessage || code || 'UnknownError';
    const C = byCode[code];
    const fields = {};
    for (const [k, v] of Object.entries(data)) {
      if (k !== '__type' && k !== 'message' && k !== 'code') fields[k] = v;
    }
    let err;
    if (C) {
      err = new C(Object.assign(fields, { message, $metadata }));
    } else {
      err = new Base(Object.assign(fields, { name: code || `${response.statusCode}` || 'UnknownError',
        $fault: response.statusCode >= 500 ? 'server' : 'client', message, $metadata }));
    }
    for (const [k, v] of Object.entries(fields)) if (err[k] === undefined) err[k] = v;
    if (model.awsQueryCompatible && response.headers['x-amzn-query-error']) {
      err.Code = response.headers['x-amzn-query-error'].split(';')[0];
    }
    return err;
  };

  // Commands
  class $Command {
    constructor(input) {
      this.input = input === undefined ? {} : input;
      this.middlewareStack = new MiddlewareStack();
    }
  }
  out.$Command = $Command;
  const commands = {};
  for (const opName of Object.keys(model.operations)) {
    const C = named(class extends $Command {}, `${opName}Command`);
    C.prototype[OPERATION] = opName;
    commands[opName] = C;
    out[`${opName}Command`] = C;
  }

  // The bare client
  const Client = named(class {
    constructor(...[configuration]) {
      this.config = resolveConfig(model, configuration || {});
      this.middlewareStack = new MiddlewareStack();
      this._agents = {};
    }

    _agent(kind) {
      if (!this._agents[kind]) {
        const mod = require(kind);
        this._agents[kind] = new mod.Agent({ keepAlive: true, maxSockets: 50 });
      }
      return this._agents[kind];
    }

    send(command, optionsOrCb, cb) {
      const options = typeof optionsOrCb === 'function' ? undefined : optionsOrCb;
      const callback = typeof optionsOrCb === 'function' ? optionsOrCb : cb;
      const promise = this._send(command, options);
      if (typeof callback === 'function') {
        promise.then((data) => callback(null, data), (err) => callback(err));
        return undefined;
      }
      return promise;
    }

    async _send(command, options) {
      const opName = command[OPERATION];
      if (!opName || !model.operations[opName]) {
        throw new TypeError(`${base}Client cannot send ${command && command.constructor && command.constructor.name}`);
      }
      const client = this;
      const stack = this.middlewareStack.concat(command.middlewareStack);
      stack.add((next) => async (args) => {
        const endpoint = await endpointOf(client, model);
        return next(Object.assign({}, args, { request: serialize(model, opName, args.input, endpoint) }));
      }, { step: 'serialize', priority: 'high', name: 'petrelSerializer' });
      const context = { clientName: `${base}Client`, commandName: `${opName}Command`, logger: this.config.logger };
      const handler = stack.resolve(async (args) => {
        const { response, $metadata } = await transmit(client, svc, opName, args.request, options);
        const output = Object.assign({ $metadata }, deserialize(model, opName, response));
        return { response, output };
      }, context);
      const result = await handler({ input: command.input });
      return result.output;
    }

    destroy() {
      for (const a of Object.values(this._agents)) a.destroy();
      this._agents = {};
    }
  }, `${base}Client`);
  out[`${base}Client`] = Client;

  // The aggregated client: one method per operation.
  const Aggregated = named(class extends Client {}, base);
  for (const opName of Object.keys(model.operations)) {
    const method = opName[0].toLowerCase() + opName.slice(1);
    Aggregated.prototype[method] = function (input, optionsOrCb, cb) {
      return this.send(new commands[opName](input), optionsOrCb, cb);
    };
  }
  out[base] = Aggregated;

  const clientNames = `${base} | ${base}Client`;
  for (const [opName, spec] of Object.entries(model.paginators)) {
    out[`paginate${opName}`] = paginator(Client, commands[opName], spec, clientNames);
  }
  for (const [name, spec] of Object.entries(model.waiters)) {
    const run = waiter(Client, commands[spec.operation], spec);
    out[`waitFor${name}`] = run;
    out[`waitUntil${name}`] = async (params, input) => checkWaiterResult(await run(params, input));
  }
  for (const [name, values] of Object.entries(model.enums)) out[name] = Object.freeze(Object.assign({}, values));
  return out;
}

module.exports = {
  service, paginator, waiter, checkWaiterResult, ServiceException, MiddlewareStack, Uint8ArrayBlobAdapter,
  OPERATION, VERSION,
  // for tests
  serialize, deserialize,
};
