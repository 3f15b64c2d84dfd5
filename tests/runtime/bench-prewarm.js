'use strict';
// Pre-warmed start figure for the Node.js runtime (a benchmark, not a test):
// a runtime started with PETREL_PREWARMED=1 waits for its assignment; the
// figure is the time from the assignment answer to its first GET /next, p50
// over N runs, beside a normal start (spawn to first GET /next).
//   node tests/runtime/bench-prewarm.js [runs]

const fs = require('node:fs');
const path = require('node:path');
const { FakeRuntimeApi, makeTaskRoot, spawnRuntime } = require('./helpers');

const RUNS = parseInt(process.argv[2] || '20', 10);

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function once(files, prewarmed) {
  const api = await new FakeRuntimeApi().listen();
  const taskRoot = makeTaskRoot(prewarmed ? {} : files);
  const t0 = process.hrtime.bigint();
  const rt = spawnRuntime({ api, taskRoot, handler: 'index.handler', prewarmed });
  let from = t0;
  if (prewarmed) {
    await api.waitAssignmentRequest();
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(taskRoot, name), content);
    await sleep(50); // an idle pool member
    api.assign(rt.functionEnv);
    from = api.assignedAt;
  }
  await api.waitNext(1);
  const ms = Number(api.firstNextAt - from) / 1e6;
  rt.child.kill('SIGKILL');
  await rt.exited;
  await api.close();
  fs.rmSync(taskRoot, { recursive: true, force: true });
  return ms;
}

async function main() {
  const cjs = { 'index.js': 'exports.handler = async (event) => event;' };
  const esm = { 'index.mjs': 'export const handler = async (event) => event;' };
  const series = { normal: [], prewarmed: [], normalEsm: [], prewarmedEsm: [] };
  for (let i = 0; i < RUNS; i++) {
    series.normal.push(await once(cjs, false));
    series.prewarmed.push(await once(cjs, true));
    series.normalEsm.push(await once(esm, false));
    series.prewarmedEsm.push(await once(esm, true));
  }
  const line = (name, xs) => console.log(`${name.padEnd(60)} p50 ${pct(xs, 50).toFixed(2).padStart(6)} ms   ` +
    `min ${Math.min(...xs).toFixed(2).padStart(6)} ms   p90 ${pct(xs, 90).toFixed(2).padStart(6)} ms`);
  console.log(`node ${process.version}, ${RUNS} runs each, interleaved`);
  line('normal start, trivial handler: spawn to first GET /next', series.normal);
  line('pre-warmed, trivial handler: assignment to first GET /next', series.prewarmed);
  line('normal start, ES module handler: spawn to first GET /next', series.normalEsm);
  line('pre-warmed, ES module handler: assignment to first GET /next', series.prewarmedEsm);
}

main();
