'use strict';
// Cold-start figure for the built-in AWS SDK v3 (a benchmark, not a test): time from spawning
// `node bootstrap.js` to its first GET /next for a handler that loads client-dynamodb and
// lib-dynamodb and builds a document client, by require (CommonJS) and by import (ES module,
// which needs the runtime's resolve hook), beside trivial handlers of each kind in the same run.
//   node tests/runtime/bench-sdk-v3.js [runs]

const { spawn } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const { FakeRuntimeApi, makeTaskRoot, BOOTSTRAP, RUNTIME_DIR } = require('./helpers');

const RUNS = parseInt(process.argv[2] || '15', 10);

async function toFirstNext(files, handler) {
  const taskRoot = makeTaskRoot(files);
  const api = await new FakeRuntimeApi().listen();
  const env = {
    PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: api.address, _HANDLER: handler, LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: RUNTIME_DIR, AWS_REGION: 'us-east-1', TZ: ':UTC',
    NODE_PATH: [path.join(RUNTIME_DIR, 'node_modules'), '/usr/share/nodejs'].join(':'),
  };
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [BOOTSTRAP], { cwd: taskRoot, env, stdio: 'ignore' });
  await api.waitNext(1);
  const ms = Number(api.firstNextAt - t0) / 1e6;
  child.kill('SIGKILL');
  await api.close();
  fs.rmSync(taskRoot, { recursive: true, force: true });
  return ms;
}

const SETUP = 'DynamoDBDocumentClient.from(new DynamoDBClient({}));';
const CASES = [
  ['CommonJS, trivial', { 'index.js': 'exports.handler = async () => 1;' }],
  ['CommonJS, require v3', { 'index.js': "const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');\n" +
    `const { DynamoDBDocumentClient } = require('@aws-sdk/lib-dynamodb');\n${SETUP}\nexports.handler = async () => 1;` }],
  ['ES module, trivial', { 'index.mjs': 'export const handler = async () => 1;' }],
  ['ES module, import v3', { 'index.mjs': "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n" +
    `import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\n${SETUP}\nexport const handler = async () => 1;` }],
];

(async () => {
  for (const [name, files] of CASES) {
    const xs = [];
    for (let i = 0; i < RUNS; i++) xs.push(await toFirstNext(files, 'index.handler'));
    xs.sort((a, b) => a - b);
    console.log(`${name.padEnd(22)} min ${xs[0].toFixed(1)} ms  p50 ${xs[Math.floor(RUNS / 2)].toFixed(1)} ms`);
  }
})();
