// Petrel's public APIs, called the way the AWS CLI calls them (same origin; signed with SigV4 when
// someone signed in, which --iam enforce requires).
import { signedHeaders } from './sigv4.js';

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

/** A JSON-protocol call: service 'DynamoDB_20120810', 'DynamoDBStreams_20120810' or 'Logs_20140328'. */
export async function target(service, operation, body = {}) {
  const json11 = service.startsWith('Logs');
  const response = await send('/', {
    method: 'POST',
    headers: {
      'X-Amz-Target': `${service}.${operation}`,
      'Content-Type': json11 ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0',
    },
    body: JSON.stringify(body),
  }, json11 ? 'logs' : 'dynamodb');
  return response.json();
}

export const ddb = (op, body) => target('DynamoDB_20120810', op, body);
export const logs = (op, body) => target('Logs_20140328', op, body);

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
