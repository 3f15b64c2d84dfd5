'use strict';
// AWS Signature Version 4 (header form), as the SDKs sign JSON and REST-JSON
// requests; shared by the built-in v2 aws-sdk and the v3 @aws-sdk clients.
// Non-S3 services: the canonical URI is the already-encoded path
// encoded once more.

const crypto = require('crypto');

function sha256Hex(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

// RFC 3986 encoding (encodeURIComponent leaves !'()* alone).
function uriEscape(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function canonicalUri(pathname) {
  if (!pathname) return '/';
  return pathname.split('/').map(uriEscape).join('/');
}

function canonicalQuery(search) {
  if (!search || search === '?') return '';
  const pairs = search.replace(/^\?/, '').split('&').filter(Boolean).map((kv) => {
    const i = kv.indexOf('=');
    const k = decodeURIComponent(i < 0 ? kv : kv.slice(0, i));
    const v = i < 0 ? '' : decodeURIComponent(kv.slice(i + 1));
    return [uriEscape(k), uriEscape(v)];
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map((p) => p[0] + '=' + p[1]).join('&');
}

const UNSIGNABLE = new Set(['authorization', 'user-agent', 'x-amzn-trace-id', 'expect', 'connection']);

const keyCache = new Map();
function signingKey(secret, date, region, service) {
  const id = `${secret}\n${date}\n${region}\n${service}`;
  let k = keyCache.get(id);
  if (!k) {
    k = hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), 'aws4_request');
    if (keyCache.size > 50) keyCache.clear();
    keyCache.set(id, k);
  }
  return k;
}

function amzDate(now) {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Signs req in place: sets X-Amz-Date, X-Amz-Security-Token (when a session
 * token is present) and Authorization.
 * req: { method, path (encoded, may include ?query), headers: {}, body: Buffer|string }
 */
function sign(req, creds, region, service, now) {
  now = now || new Date();
  const date = amzDate(now);
  const day = date.slice(0, 8);
  req.headers['X-Amz-Date'] = date;
  if (creds.sessionToken) req.headers['X-Amz-Security-Token'] = creds.sessionToken;

  const q = req.path.indexOf('?');
  const pathname = q < 0 ? req.path : req.path.slice(0, q);
  const search = q < 0 ? '' : req.path.slice(q);

  const names = [];
  const values = {};
  for (const name of Object.keys(req.headers)) {
    const lower = name.toLowerCase();
    if (UNSIGNABLE.has(lower)) continue;
    names.push(lower);
    values[lower] = String(req.headers[name]).trim().replace(/\s+/g, ' ');
  }
  names.sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    req.method,
    canonicalUri(pathname),
    canonicalQuery(search),
    names.map((n) => `${n}:${values[n]}\n`).join(''),
    signedHeaders,
    sha256Hex(req.body || ''),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = crypto.createHmac('sha256', signingKey(creds.secretAccessKey, day, region, service))
    .update(stringToSign, 'utf8').digest('hex');
  req.headers.Authorization =
    `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { canonicalRequest, stringToSign, signature };
}

module.exports = { sign, uriEscape, canonicalUri, canonicalQuery };
