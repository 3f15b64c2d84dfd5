// SigV4 in the browser, for a server running with --iam enforce: the console signs its calls with
// the access key the user signed in with (kept in this tab's sessionStorage only). Web Crypto
// where the page is a secure context (https, localhost, 127.0.0.1); elsewhere (plain http on a
// LAN address, where browsers hide crypto.subtle) a small SHA-256 in JavaScript.

const enc = new TextEncoder();
const STORE = 'petrel.credentials';

/** {accessKeyId, secretAccessKey, sessionToken?, region} or null. */
export function credentials() {
  try { return JSON.parse(sessionStorage.getItem(STORE) || 'null'); } catch { return null; }
}
export function signIn(creds) { sessionStorage.setItem(STORE, JSON.stringify(creds)); }
export function signOut() { sessionStorage.removeItem(STORE); }

/** A link from `petrel credentials --console-link`: #credentials=KEY:SECRET[:REGION]. Taken once, then removed from the address bar. */
export function takeCredentialsFromLink() {
  const m = /^#credentials=([^:]+):([^:]+)(?::([a-z0-9-]+))?$/.exec(location.hash);
  if (!m) return false;
  signIn({ accessKeyId: decodeURIComponent(m[1]), secretAccessKey: decodeURIComponent(m[2]), region: m[3] || 'us-east-1' });
  history.replaceState(null, '', location.pathname + '#/functions');
  return true;
}

const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
const subtle = globalThis.crypto && globalThis.crypto.subtle;

async function sha256(bytes) {
  if (subtle) return new Uint8Array(await subtle.digest('SHA-256', bytes));
  return sha256js(bytes);
}

async function hmac(key, message) {
  const data = typeof message === 'string' ? enc.encode(message) : message;
  if (subtle) {
    const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await subtle.sign('HMAC', k, data));
  }
  let k = key.length > 64 ? sha256js(key) : key;
  const padded = new Uint8Array(64); padded.set(k);
  const inner = new Uint8Array(64 + data.length); const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) { inner[i] = padded[i] ^ 0x36; outer[i] = padded[i] ^ 0x5c; }
  inner.set(data, 64);
  outer.set(sha256js(inner), 64);
  return sha256js(outer);
}

const K = Uint32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

/** SHA-256 (FIPS 180-4), for pages where Web Crypto is not available. */
export function sha256js(bytes) {
  const length = bytes.length;
  const blocks = Math.ceil((length + 9) / 64);
  const m = new Uint8Array(blocks * 64);
  m.set(bytes); m[length] = 0x80;
  const view = new DataView(m.buffer);
  view.setUint32(m.length - 8, Math.floor(length / 0x20000000)); view.setUint32(m.length - 4, (length * 8) >>> 0);
  const H = Uint32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const W = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < 16; i++) W[i] = view.getUint32(b * 64 + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3);
      const s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
    }
    let [a, b2, c, d, e, f, g, h] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b2) ^ (a & c) ^ (b2 & c))) >>> 0;
      h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b2; b2 = a; a = (t1 + t2) >>> 0;
    }
    H[0] += a; H[1] += b2; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(i * 4, H[i]);
  return out;
}

/** The key S3 calls are signed with when nobody signed in (any key passes --iam off and audit). */
const UNSIGNED_S3 = { accessKeyId: 'petrel-console', secretAccessKey: 'petrel-console', region: 'us-east-1' };

/** RFC 3986 encoding, as SigV4's canonical request wants it. */
const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/**
 * The headers to send for a request signed for `service` with the signed-in key; `headers` as
 * given when nobody is signed in. `url` is the path and query as sent; `body` a string or bytes.
 */
export async function signedHeaders(method, url, headers, body, service, now = new Date()) {
  // S3 is told apart from the other APIs by its signature's scope, so its calls are signed even
  // when nobody signed in: with --iam off or audit any key is accepted (audit: as the root).
  const creds = credentials() || (service === 's3' ? UNSIGNED_S3 : null);
  if (!creds) return headers;
  const u = new URL(url, location.origin);
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const date = amzDate.slice(0, 8);
  const region = creds.region || 'us-east-1';
  const bytes = body == null ? new Uint8Array() : typeof body === 'string' ? enc.encode(body) : body;
  const payloadHash = hex(await sha256(bytes));
  const signed = { host: u.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': payloadHash };
  if (creds.sessionToken) signed['x-amz-security-token'] = creds.sessionToken;
  for (const [name, value] of Object.entries(headers)) {
    if (/^(x-amz-target|content-type|x-amz-invocation-type|x-amz-log-type)$/i.test(name)) signed[name.toLowerCase()] = String(value).trim();
  }
  const names = Object.keys(signed).sort();
  const query = [...u.searchParams].map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  // S3 signs its path encoded once; the other services encode the (already encoded) path again.
  const path = service === 's3' ? u.pathname.split('/').map((p) => rfc3986(decodeURIComponent(p))).join('/')
    : u.pathname.split('/').map(rfc3986).join('/');
  const canonical = [method, path, query,
    names.map((n) => `${n}:${signed[n]}\n`).join(''), names.join(';'), payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(await sha256(enc.encode(canonical)))].join('\n');
  let key = await hmac(enc.encode('AWS4' + creds.secretAccessKey), date);
  for (const part of [region, service, 'aws4_request']) key = await hmac(key, part);
  const signature = hex(await hmac(key, toSign));
  const out = { ...headers, 'X-Amz-Date': amzDate, 'X-Amz-Content-Sha256': payloadHash,
    Authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
  if (creds.sessionToken) out['X-Amz-Security-Token'] = creds.sessionToken;
  return out;
}
