// Petrel's public APIs, called the way the AWS CLI calls them (same origin; signed with SigV4 when
// someone signed in, which --iam enforce requires).
import { credentials, signedHeaders } from './sigv4.js';

/** Error types that mean: this server wants a signature from a known key. */
export const AUTH_ERRORS = /MissingAuthenticationToken|UnrecognizedClient|InvalidClientTokenId|InvalidSignature|SignatureDoesNotMatch|IncompleteSignature|ExpiredToken/;

export class ApiError extends Error {
  constructor(type, message, status) {
    super(message || type || `HTTP ${status}`);
    this.type = type || '';
    this.status = status;
  }
  /** What the user can do next, from the error's type. */
  get nextStep() {
    const t = this.type;
    if (this.status === 0) return 'Check that petrel serve is running, then try again.';
    if (AUTH_ERRORS.test(t)) return 'This server runs with --iam enforce: sign in with an access key (Sign in, top right; `petrel credentials --console-link` prints a link that signs you in).';
    if (/AccessDenied/.test(t)) return 'The signed-in principal may not do this: attach a policy that allows it (see Roles), or sign in as another.';
    if (/ResourceNotFound/.test(t)) return 'It may have been deleted or renamed: go back to the list and reload.';
    if (/already exist/i.test(this.message)) return 'Choose another name, or open the existing one from the list.';
    if (/ResourceInUse|ResourceConflict|PreconditionFailed/.test(t)) return 'Someone changed it meanwhile: reload the page, then try again.';
    if (/TooManyRequests|Throttl|LimitExceeded/.test(t)) return /LimitExceeded/.test(t) ? 'Remove something first, or stay under the limit.' : 'Wait a moment, then try again.';
    if (/ConditionalCheckFailed/.test(t)) return 'The item no longer matches what you expected: reload it and try again.';
    if (/Validation|InvalidParameter|InvalidRequest|Serialization/.test(t)) return 'Correct the value named in the message, then try again.';
    if (this.status >= 500) return 'This is a server fault: see the server log, then try again.';
    return 'Correct the request, then try again.';
  }
}

async function parseError(response) {
  let body = {};
  try { body = await response.json(); } catch { /* not JSON */ }
  let type = response.headers.get('x-amzn-ErrorType') || body.__type || body.Type || '';
  type = String(type).split('#').pop().split(':')[0];
  return new ApiError(type, body.message || body.Message || body.errorMessage, response.status);
}

/** Sends a request, signed for `service` when someone signed in. */
async function send(url, init, service) {
  let response;
  try {
    if (service) init = { ...init, headers: await signedHeaders(init.method || 'GET', url, init.headers || {}, init.body, service) };
    response = await fetch(url, init);
  } catch (e) {
    throw new ApiError('NetworkError', 'Petrel did not answer: ' + e.message, 0);
  }
  if (!response.ok) throw await parseError(response);
  return response;
}

/** The JSON-protocol services the console calls: X-Amz-Target prefix → [signing name, JSON version]. */
const JSON_SERVICES = {
  DynamoDB_20120810: ['dynamodb', '1.0'],
  DynamoDBStreams_20120810: ['dynamodb', '1.0'],
  Logs_20140328: ['logs', '1.1'],
  AmazonSQS: ['sqs', '1.0'],
  Kinesis_20131202: ['kinesis', '1.1'],
  AWSEvents: ['events', '1.1'],
  'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101': ['cloudtrail', '1.1'],
};

/** A JSON-protocol call, e.g. target('DynamoDB_20120810', 'ListTables', {}) (services in JSON_SERVICES). */
export async function target(service, operation, body = {}) {
  const [signingName, version] = JSON_SERVICES[service] || ['dynamodb', '1.0'];
  const response = await send('/', {
    method: 'POST',
    headers: {
      'X-Amz-Target': `${service}.${operation}`,
      'Content-Type': `application/x-amz-json-${version}`,
    },
    body: JSON.stringify(body),
  }, signingName);
  return response.json();
}

export const ddb = (op, body) => target('DynamoDB_20120810', op, body);
export const logs = (op, body) => target('Logs_20140328', op, body);
export const sqs = (op, body) => target('AmazonSQS', op, body);
export const kinesis = (op, body) => target('Kinesis_20131202', op, body);

/** Every queue of the region, as {url, name, arn}: ListQueues page by page (a page holds at
 *  most 1,000), the ARN read off the URL's /ACCOUNT/NAME path rather than asked queue by queue. */
export async function allQueues() {
  const region = (credentials() || {}).region || 'us-east-1';
  const queues = [];
  let token;
  do {
    const r = await sqs('ListQueues', { MaxResults: 1000, ...(token ? { NextToken: token } : {}) });
    for (const url of r.QueueUrls || []) {
      const [account, name] = new URL(url).pathname.split('/').slice(1).map(decodeURIComponent);
      queues.push({ url, name, arn: `arn:aws:sqs:${region}:${account}:${name}` });
    }
    token = r.NextToken;
  } while (token);
  return queues;
}
export const eventbridge = (op, body) => target('AWSEvents', op, body);
export const cloudtrail = (op, body) => target('com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101', op, body);

/** Lambda's REST-JSON API. */
export async function rest(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await send(path, init, path.startsWith('/_petrel/') ? undefined : 'lambda');
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

const fn = (name) => `/2015-03-31/functions/${encodeURIComponent(name)}`;

export const lambda = {
  list: (marker, maxItems = 50) => rest('GET', `/2015-03-31/functions/?MaxItems=${maxItems}` + (marker ? `&Marker=${encodeURIComponent(marker)}` : '')),
  get: (name) => rest('GET', fn(name)),
  create: (input) => rest('POST', '/2015-03-31/functions', input),
  remove: (name) => rest('DELETE', fn(name)),
  updateCode: (name, zipBase64) => rest('PUT', `${fn(name)}/code`, { ZipFile: zipBase64 }),
  updateConfiguration: (name, input) => rest('PUT', `${fn(name)}/configuration`, input),
  /** Invoke with the log tail; returns {status, functionError, payload, log}. */
  async invoke(name, payload) {
    const response = await send(`${fn(name)}/invocations`, {
      method: 'POST', headers: { 'X-Amz-Log-Type': 'Tail', 'Content-Type': 'application/json' }, body: payload,
    }, 'lambda');
    const logResult = response.headers.get('X-Amz-Log-Result');
    let log = '';
    if (logResult) {
      const bytes = Uint8Array.from(atob(logResult), (c) => c.charCodeAt(0));
      log = new TextDecoder().decode(bytes);
    }
    return { status: response.status, functionError: response.headers.get('X-Amz-Function-Error'), payload: await response.text(), log };
  },
  versions: (name, marker) => rest('GET', `${fn(name)}/versions?MaxItems=50` + (marker ? `&Marker=${encodeURIComponent(marker)}` : '')),
  publish: (name, description) => rest('POST', `${fn(name)}/versions`, description ? { Description: description } : {}),
  removeVersion: (name, version) => rest('DELETE', `${fn(name)}?Qualifier=${encodeURIComponent(version)}`),
  aliases: (name, marker) => rest('GET', `${fn(name)}/aliases?MaxItems=50` + (marker ? `&Marker=${encodeURIComponent(marker)}` : '')),
  createAlias: (name, input) => rest('POST', `${fn(name)}/aliases`, input),
  updateAlias: (name, alias, input) => rest('PUT', `${fn(name)}/aliases/${encodeURIComponent(alias)}`, input),
  deleteAlias: (name, alias) => rest('DELETE', `${fn(name)}/aliases/${encodeURIComponent(alias)}`),
  /** GetFunctionConcurrency: the reserved concurrency, or null when none is reserved. */
  concurrency: async (name) => {
    const r = await rest('GET', `/2019-09-30/functions/${encodeURIComponent(name)}/concurrency`);
    return r && r.ReservedConcurrentExecutions !== undefined ? r.ReservedConcurrentExecutions : null;
  },
  putConcurrency: (name, n) => rest('PUT', `/2017-10-31/functions/${encodeURIComponent(name)}/concurrency`, { ReservedConcurrentExecutions: n }),
  deleteConcurrency: (name) => rest('DELETE', `/2017-10-31/functions/${encodeURIComponent(name)}/concurrency`),
  accountSettings: () => rest('GET', '/2016-08-19/account-settings/'),
  tags: async (arn) => ((await rest('GET', `/2017-03-31/tags/${encodeURIComponent(arn)}`)) || {}).Tags || {},
  tag: (arn, tags) => rest('POST', `/2017-03-31/tags/${encodeURIComponent(arn)}`, { Tags: tags }),
  untag: (arn, keys) => rest('DELETE', `/2017-03-31/tags/${encodeURIComponent(arn)}?` + keys.map((k) => `tagKeys=${rfc3986(k)}`).join('&')),
  mappings: (name) => rest('GET', `/2015-03-31/event-source-mappings/?FunctionName=${encodeURIComponent(name)}`),
  createMapping: (input) => rest('POST', '/2015-03-31/event-source-mappings/', input),
  updateMapping: (uuid, input) => rest('PUT', `/2015-03-31/event-source-mappings/${uuid}`, input),
  deleteMapping: (uuid) => rest('DELETE', `/2015-03-31/event-source-mappings/${uuid}`),
};

/** The lead's metrics endpoint; null when it is not there (404) or has nothing. */
export async function functionMetrics(name, minutes = 60) {
  try {
    return await rest('GET', `/_petrel/metrics/functions/${encodeURIComponent(name)}?minutes=${minutes}`);
  } catch (e) {
    if (e.status === 404 || e.status === 400 || e.status === 0) return null;
    throw e;
  }
}

const events = (name) => `/_petrel/console-api/functions/${encodeURIComponent(name)}/test-events`;
export const testEvents = {
  list: async (name) => (await rest('GET', events(name))).TestEvents,
  save: (name, eventName, event) => rest('PUT', `${events(name)}/${encodeURIComponent(eventName)}`, { Event: event }),
  remove: (name, eventName) => rest('DELETE', `${events(name)}/${encodeURIComponent(eventName)}`),
};

/** Parses a REPORT line: {duration, billed, memorySize, memoryUsed, init}. */
export function parseReport(log) {
  const line = (log || '').split('\n').find((l) => l.startsWith('REPORT')) || '';
  const num = (re) => { const m = line.match(re); return m ? Number(m[1]) : null; };
  if (!line) return null;
  return {
    duration: num(/\bDuration: ([\d.]+) ms/),
    billed: num(/Billed Duration: ([\d.]+) ms/),
    memorySize: num(/Memory Size: (\d+) MB/),
    memoryUsed: num(/Max Memory Used: (\d+) MB/),
    init: num(/Init Duration: ([\d.]+) ms/),
  };
}

/** The server's runtimes, each with what runs it here ({runtime, status, interpreter, version, path, missing}); [] when unknown. */
let runtimesCache;
export async function runtimes() {
  if (!runtimesCache) {
    runtimesCache = rest('GET', '/_petrel/status').then((s) => (s && s.runtimes) || []).catch(() => { runtimesCache = undefined; return []; });
  }
  return runtimesCache;
}

/** IAM's query API (form in, XML out), as the AWS CLI calls it; returns the parsed XML document. */
export async function iam(action, params = {}, service = 'iam') {
  const body = new URLSearchParams({ Action: action, Version: service === 'sts' ? '2011-06-15' : '2010-05-08', ...params }).toString();
  let response;
  try {
    const headers = await signedHeaders('POST', '/', { 'Content-Type': 'application/x-www-form-urlencoded' }, body, service);
    response = await fetch('/', { method: 'POST', headers, body });
  } catch (e) {
    throw new ApiError('NetworkError', 'Petrel did not answer: ' + e.message, 0);
  }
  const doc = new DOMParser().parseFromString(await response.text(), 'application/xml');
  const text = (tag) => (doc.getElementsByTagName(tag)[0] || {}).textContent;
  if (!response.ok) throw new ApiError(text('Code') || '', text('Message'), response.status);
  return doc;
}

/** The text of the first `tag` under `el`. */
export const xmlText = (el, tag) => ((el.getElementsByTagName(tag)[0] || {}).textContent || '');
/** The <member> children of the first `tag` under `el`. */
export const xmlMembers = (el, tag) => [...((el.getElementsByTagName(tag)[0] || { children: [] }).children)];

export const LAMBDA_TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/** Creates the role from a template unless it exists; answers whether it was created. */
export async function ensureRole(name, template) {
  try {
    await iam('GetRole', { RoleName: name });
    return false;
  } catch (e) {
    if (e.type !== 'NoSuchEntity') throw e;
  }
  await iam('CreateRole', { RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST, Description: template.title });
  for (const arn of template.managed) await iam('AttachRolePolicy', { RoleName: name, PolicyArn: arn });
  if (template.inline) await iam('PutRolePolicy', { RoleName: name, PolicyName: template.inline.name, PolicyDocument: JSON.stringify(template.inline.document) });
  return true;
}

/** What --iam enforce would have refused, and the least-privilege policy per principal. */
export const auditReport = () => rest('GET', '/_petrel/iam/audit');

// --- S3 (REST-XML) -------------------------------------------------------------------------

/** A bucket's or object's path, each part encoded the way S3 signs it (RFC 3986). */
const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
export const s3Path = (bucket, key) => `/${rfc3986(bucket)}` + (key === undefined ? '' : `/${key.split('/').map(rfc3986).join('/')}`);

/**
 * An S3 call; answers the Response (its XML read with s3Xml). S3's requests are told apart by
 * their signature's scope, so they are always signed (sigv4.js), and its errors are XML.
 */
export async function s3(method, path, { query = '', body, headers = {} } = {}) {
  const url = path + (query ? `?${query}` : '');
  let response;
  try {
    const signed = await signedHeaders(method, url, headers, body, 's3');
    response = await fetch(url, { method, headers: signed, body });
  } catch (e) {
    throw new ApiError('NetworkError', 'Petrel did not answer: ' + e.message, 0);
  }
  if (!response.ok) {
    const doc = new DOMParser().parseFromString(await response.text().catch(() => ''), 'application/xml');
    const text = (tag) => (doc.getElementsByTagName(tag)[0] || {}).textContent;
    throw new ApiError(text('Code') || `HTTP${response.status}`, text('Message') || `S3 answered HTTP ${response.status}.`, response.status);
  }
  return response;
}

/** The XML document of an S3 answer. */
export async function s3Xml(method, path, options) {
  const text = await (await s3(method, path, options)).text();
  return new DOMParser().parseFromString(text || '<Empty/>', 'application/xml');
}

/** The direct children of `el` named `tag`. */
export const xmlChildren = (el, tag) => [...el.children].filter((c) => c.localName === tag);
