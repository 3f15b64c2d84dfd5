// A small closed-loop HTTP load generator: N keep-alive clients send the same request for
// D seconds; prints {"requests", "errors", "seconds", "rps", "p50_ms", "p99_ms", "statuses"} as JSON.
// requests, rps and the latencies count successful (2xx) answers only; statuses counts every answer.
// Usage: node loadgen.js URL CLIENTS SECONDS [BODY] [HEADER=VALUE ...]
'use strict';
const http = require('http');
const [url, clientsArg, secondsArg, body = '{}', ...headerArgs] = process.argv.slice(2);
const target = new URL(url);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
for (const h of headerArgs) { const i = h.indexOf('='); headers[h.slice(0, i)] = h.slice(i + 1); }
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const latencies = [];
let errors = 0;
const statuses = {};
const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));

function one() {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search,
      method: 'POST', headers, agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
        if (res.statusCode >= 300) { errors++; resolve(); return; }
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        resolve();
      });
    });
    req.on('error', () => { errors++; statuses.failed = (statuses.failed || 0) + 1; resolve(); });
    req.end(body);
  });
}

async function client() {
  while (process.hrtime.bigint() < deadline) await one();
}

(async () => {
  const began = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, client));
  const elapsed = Number(process.hrtime.bigint() - began) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] : null;
  console.log(JSON.stringify({ requests: latencies.length, errors, seconds: elapsed,
    rps: latencies.length / elapsed, p50_ms: pct(0.5), p99_ms: pct(0.99), statuses }));
  agent.destroy();
})();
