'use strict';
// The built-in aws-sdk module against fake DynamoDB and Lambda endpoints.

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const path = require('node:path');
const { RUNTIME_DIR, withRuntime } = require('./helpers');

const SDK_DIR = path.join(RUNTIME_DIR, 'node_modules', 'aws-sdk');

process.env.AWS_REGION = 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTKEY';
process.env.AWS_SECRET_ACCESS_KEY = 'test/secret+key';
process.env.AWS_SESSION_TOKEN = 'session-token-1';
delete process.env.AWS_ENDPOINT_URL;

const AWS = require(SDK_DIR);
const signer = require(path.join(SDK_DIR, 'lib', 'signer.js'));

// ---------------------------------------------------------------------------
// An independent SigV4 check: rebuild the canonical request from what the
// server received and recompute the signature with the secret key.

function hmac(key, s) {
  return crypto.createHmac('sha256', key).update(s).digest();
}
function rfc3986(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function verifySigV4(req, body, secret) {
  const auth = req.headers.authorization;
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
  assert.ok(m, `Authorization header well-formed: ${auth}`);
  const [, accessKey, day, region, service, signedHeaders, signature] = m;
  const amzDate = req.headers['x-amz-date'];
  assert.match(amzDate, /^\d{8}T\d{6}Z$/);
  assert.equal(amzDate.slice(0, 8), day);
  const signed = signedHeaders.split(';');
  assert.ok(signed.includes('host') && signed.includes('x-amz-date'), 'host and x-amz-date are signed');
  const [p, q = ''] = req.url.split('?');
  const canonPath = p.split('/').map((seg) => rfc3986(seg)).join('/');
  const canonQuery = q.split('&').filter(Boolean).map((kv) => kv.split('=').map((x) => rfc3986(decodeURIComponent(x || ''))))
    .sort((a, b) => (a[0] + '=' + a[1] < b[0] + '=' + b[1] ? -1 : 1)).map((kv) => `${kv[0]}=${kv[1] || ''}`).join('&');
  const canonHeaders = signed.map((h) => `${h}:${String(req.headers[h]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [req.method, canonPath, canonQuery, canonHeaders, signedHeaders,
    crypto.createHash('sha256').update(body).digest('hex')].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const sts = ['AWS4-HMAC-SHA256', amzDate, scope, crypto.createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + secret, day), region), service), 'aws4_request');
  const expected = crypto.createHmac('sha256', key).update(sts).digest('hex');
  assert.equal(signature, expected, 'signature recomputed by the test matches');
  return { accessKey, region, service, signed };
}

// ---------------------------------------------------------------------------
// A fake endpoint: records requests, answers with handler(req, bodyText).

async function fakeEndpoint(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const rec = { method: req.method, url: req.url, headers: req.headers, raw, text: raw.toString('utf8') };
      try {
        rec.json = JSON.parse(rec.text);
      } catch (_) {
        rec.json = undefined;
      }
      requests.push(rec);
      const out = handler(rec, requests.length) || {};
      const body = out.body === undefined ? '{}' : typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
      res.writeHead(out.status || 200, Object.assign({
        'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': `req-${requests.length}`,
      }, out.headers || {}));
      res.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url, requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

// An in-memory single-table DynamoDB: enough for round-trips.
function memoryTable() {
  const items = new Map();
  return (rec) => {
    const target = rec.headers['x-amz-target'];
    const p = rec.json;
    const keyOf = (k) => JSON.stringify(k.id);
    switch (target) {
      case 'DynamoDB_20120810.PutItem': items.set(keyOf(p.Item), p.Item); return { body: {} };
      case 'DynamoDB_20120810.GetItem': {
        const it = items.get(keyOf(p.Key));
        return { body: it ? { Item: it } : {} };
      }
      case 'DynamoDB_20120810.Scan': return { body: { Items: [...items.values()], Count: items.size, ScannedCount: items.size } };
      default: return { status: 400, body: { __type: 'com.amazon.coral.validate#ValidationException', message: `unsupported ${target}` } };
    }
  };
}

// ---------------------------------------------------------------------------

test('SigV4 signer reproduces the AWS documentation example', () => {
  const req = {
    method: 'GET', path: '/?Action=ListUsers&Version=2010-05-08', body: '',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', Host: 'iam.amazonaws.com' },
  };
  const r = signer.sign(req, { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    'us-east-1', 'iam', new Date('2015-08-30T12:36:00Z'));
  assert.equal(r.signature, '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  assert.equal(req.headers.Authorization, 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, ' +
    'SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
});

test('DynamoDB getItem: JSON 1.0 target, body, signed request, callback with response as this', async () => {
  const ep = await fakeEndpoint(() => ({
    body: { Item: { id: { S: 'k1' }, n: { N: '42' }, bin: { B: Buffer.from('hello').toString('base64') } } },
  }));
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url });
    const { data, requestId } = await new Promise((resolve, reject) => {
      ddb.getItem({ TableName: 'things', Key: { id: { S: 'k1' } }, ConsistentRead: true }, function (err, d) {
        if (err) reject(err);
        else resolve({ data: d, requestId: this.requestId });
      });
    });
    assert.equal(ep.requests.length, 1);
    const r = ep.requests[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/');
    assert.equal(r.headers['x-amz-target'], 'DynamoDB_20120810.GetItem');
    assert.equal(r.headers['content-type'], 'application/x-amz-json-1.0');
    assert.deepEqual(r.json, { TableName: 'things', Key: { id: { S: 'k1' } }, ConsistentRead: true });
    assert.equal(r.headers['x-amz-security-token'], 'session-token-1');
    const sig = verifySigV4(r, r.raw, 'test/secret+key');
    assert.equal(sig.accessKey, 'AKIDTESTKEY');
    assert.equal(sig.region, 'eu-west-1');
    assert.equal(sig.service, 'dynamodb');
    assert.ok(sig.signed.includes('x-amz-target') && sig.signed.includes('x-amz-security-token'));
    assert.equal(data.Item.n.N, '42');
    assert.ok(Buffer.isBuffer(data.Item.bin.B), 'B decoded to a Buffer');
    assert.equal(data.Item.bin.B.toString(), 'hello');
    assert.equal(requestId, 'req-1');
  } finally {
    await ep.close();
  }
});

test('DynamoDB: every table and item operation sends its target; .promise() and .send()', async () => {
  const ep = await fakeEndpoint((rec) => ({ body: { Echo: rec.headers['x-amz-target'] } }));
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url });
    const ops = {
      getItem: 'GetItem', putItem: 'PutItem', updateItem: 'UpdateItem', deleteItem: 'DeleteItem', query: 'Query',
      scan: 'Scan', batchGetItem: 'BatchGetItem', batchWriteItem: 'BatchWriteItem',
      transactWriteItems: 'TransactWriteItems', transactGetItems: 'TransactGetItems', createTable: 'CreateTable',
      describeTable: 'DescribeTable', listTables: 'ListTables', deleteTable: 'DeleteTable', updateTable: 'UpdateTable',
    };
    const params = {
      TableName: 't', Key: { id: { S: 'a' } }, Item: { id: { S: 'a' } }, RequestItems: {}, TransactItems: [],
      AttributeDefinitions: [], KeySchema: [],
    };
    for (const [method, target] of Object.entries(ops)) {
      const req = ddb[method](params);
      assert.ok(req instanceof AWS.Request, `${method} returns an AWS.Request`);
      const data = await req.promise();
      assert.equal(data.Echo, `DynamoDB_20120810.${target}`);
    }
    assert.equal(ep.requests.length, Object.keys(ops).length);
    // .send(cb) and request events
    const events = [];
    const req = ddb.listTables({});
    req.on('success', () => events.push('success')).on('complete', () => events.push('complete'));
    const data = await new Promise((resolve, reject) => req.send((err, d) => (err ? reject(err) : resolve(d))));
    assert.equal(data.Echo, 'DynamoDB_20120810.ListTables');
    assert.deepEqual(events, ['success', 'complete']);
  } finally {
    await ep.close();
  }
});

test('errors: SDK-shaped error objects; ConditionalCheckFailedException is not retried', async () => {
  const ep = await fakeEndpoint(() => ({
    status: 400,
    headers: { 'x-amzn-RequestId': 'RID-CCF' },
    body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' },
  }));
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url });
    const err = await ddb.putItem({ TableName: 't', Item: { id: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(id)' })
      .promise().then(() => null, (e) => e);
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'ConditionalCheckFailedException');
    assert.equal(err.name, 'ConditionalCheckFailedException');
    assert.equal(err.message, 'The conditional request failed');
    assert.equal(err.statusCode, 400);
    assert.equal(err.retryable, false);
    assert.ok(err.time instanceof Date);
    assert.equal(err.requestId, 'RID-CCF');
    assert.equal(ep.requests.length, 1, 'not retried');
  } finally {
    await ep.close();
  }
});

test('errors: error code from x-amzn-ErrorType when the body has none', async () => {
  const ep = await fakeEndpoint(() => ({ status: 400, headers: { 'x-amzn-ErrorType': 'ValidationException:http://internal/' }, body: { message: 'bad' } }));
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url });
    const err = await ddb.scan({ TableName: 't' }).promise().catch((e) => e);
    assert.equal(err.code, 'ValidationException');
    assert.equal(err.message, 'bad');
  } finally {
    await ep.close();
  }
});

test('retries: throttling and 5xx are retried with backoff until success or maxRetries', async () => {
  let ep = await fakeEndpoint((rec, n) => (n <= 2
    ? { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' } }
    : { body: { Count: 0, Items: [] } }));
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url, retryDelayOptions: { base: 1 } });
    const retries = [];
    const req = ddb.scan({ TableName: 't' });
    req.on('retry', (resp) => retries.push(resp.error.code));
    const data = await req.promise();
    assert.equal(data.Count, 0);
    assert.equal(ep.requests.length, 3);
    assert.equal(req.response.retryCount, 2);
    assert.deepEqual(retries, ['ProvisionedThroughputExceededException', 'ProvisionedThroughputExceededException']);
    // Each attempt is signed afresh and verifies.
    for (const r of ep.requests) verifySigV4(r, r.raw, 'test/secret+key');
  } finally {
    await ep.close();
  }

  ep = await fakeEndpoint(() => ({ status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' } }));
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url, retryDelayOptions: { base: 1 } });
    const err = await ddb.scan({ TableName: 't' }).promise().catch((e) => e);
    assert.equal(err.code, 'InternalServerError');
    assert.equal(err.statusCode, 500);
    assert.equal(err.retryable, true);
    assert.equal(ep.requests.length, 11, 'DynamoDB default maxRetries is 10 (11 attempts)');

    const few = new AWS.DynamoDB({ endpoint: ep.url, maxRetries: 2, retryDelayOptions: { base: 1 } });
    await few.scan({ TableName: 't' }).promise().catch((e) => e);
    assert.equal(ep.requests.length, 11 + 3, 'maxRetries: 2 means 3 attempts');
    assert.equal(new AWS.Lambda({ endpoint: ep.url }).maxRetries(), 3, 'Lambda default maxRetries is 3');
  } finally {
    await ep.close();
  }
});

test('network failure: NetworkingError, retryable', async () => {
  const ep = await fakeEndpoint(() => ({}));
  const url = ep.url;
  await ep.close();
  const ddb = new AWS.DynamoDB({ endpoint: url, maxRetries: 1, retryDelayOptions: { base: 1 } });
  const err = await ddb.listTables({}).promise().catch((e) => e);
  assert.equal(err.code, 'NetworkingError');
  assert.equal(err.retryable, true);
  assert.match(err.message, /ECONNREFUSED/);
});

test('missing required parameter fails without sending', async () => {
  const ep = await fakeEndpoint(() => ({}));
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url });
    const err = await ddb.getItem({ Key: { id: { S: 'a' } } }).promise().catch((e) => e);
    assert.equal(err.code, 'MissingRequiredParameter');
    assert.equal(err.message, "Missing required key 'TableName' in params");
    assert.equal(ep.requests.length, 0);
  } finally {
    await ep.close();
  }
});

test('endpoint and config resolution: options, AWS.config, AWS_ENDPOINT_URL, default', async () => {
  const saved = { ...AWS.config };
  try {
    assert.equal(new AWS.DynamoDB().endpoint.href, 'https://dynamodb.eu-west-1.amazonaws.com/');
    assert.equal(new AWS.DynamoDB({ region: 'ap-south-1' }).endpoint.href, 'https://dynamodb.ap-south-1.amazonaws.com/');
    assert.equal(new AWS.Lambda().endpoint.href, 'https://lambda.eu-west-1.amazonaws.com/');
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    assert.equal(new AWS.DynamoDB().endpoint.href, 'http://127.0.0.1:4566/');
    assert.equal(new AWS.Lambda().endpoint.href, 'http://127.0.0.1:4566/');
    AWS.config.update({ endpoint: 'http://localhost:8000' });
    assert.equal(new AWS.DynamoDB().endpoint.href, 'http://localhost:8000/');
    assert.equal(new AWS.DynamoDB({ endpoint: new AWS.Endpoint('http://127.0.0.2:9') }).endpoint.hostname, '127.0.0.2');
    assert.equal(new AWS.DynamoDB({ endpoint: 'example.com:8443' }).endpoint.href, 'https://example.com:8443/');
  } finally {
    delete process.env.AWS_ENDPOINT_URL;
    AWS.config.endpoint = saved.endpoint;
  }

  // AWS.config.update: region and credentials end up in the signature.
  const ep = await fakeEndpoint(() => ({ body: { TableNames: [] } }));
  try {
    AWS.config.update({ region: 'us-west-2', accessKeyId: 'AKIDCONFIG', secretAccessKey: 'config-secret' });
    const data = await new AWS.DynamoDB({ endpoint: ep.url }).listTables({}).promise();
    assert.deepEqual(data, { TableNames: [] });
    const sig = verifySigV4(ep.requests[0], ep.requests[0].raw, 'config-secret');
    assert.equal(sig.accessKey, 'AKIDCONFIG');
    assert.equal(sig.region, 'us-west-2');
  } finally {
    AWS.config.region = saved.region;
    AWS.config.credentials = saved.credentials;
    await ep.close();
  }
});

test('DocumentClient: wire format of put and round-trip of every value type', async () => {
  const ep = await fakeEndpoint(memoryTable());
  try {
    const dc = new AWS.DynamoDB.DocumentClient({ endpoint: ep.url });
    const item = {
      id: 'v-1', count: 7, price: -12.5, big: 12345678901, ok: true, no: false, nothing: null,
      list: [1, 'two', false, null, [3], { four: 4 }], map: { a: { b: { c: 'deep' } }, empty: {} },
      blob: Buffer.from([0, 1, 2, 255]), tags: dc.createSet(['x', 'y']), nums: dc.createSet([1, 2.5, 3]),
      blobs: dc.createSet([Buffer.from('a'), Buffer.from('b')]), emptyString: '', skipped: undefined,
    };
    await dc.put({ TableName: 'vouchers', Item: item }).promise();
    const sent = ep.requests[0].json;
    assert.equal(ep.requests[0].headers['x-amz-target'], 'DynamoDB_20120810.PutItem');
    assert.deepEqual(sent, {
      TableName: 'vouchers',
      Item: {
        id: { S: 'v-1' }, count: { N: '7' }, price: { N: '-12.5' }, big: { N: '12345678901' }, ok: { BOOL: true },
        no: { BOOL: false }, nothing: { NULL: true },
        list: { L: [{ N: '1' }, { S: 'two' }, { BOOL: false }, { NULL: true }, { L: [{ N: '3' }] }, { M: { four: { N: '4' } } }] },
        map: { M: { a: { M: { b: { M: { c: { S: 'deep' } } } } }, empty: { M: {} } } },
        blob: { B: Buffer.from([0, 1, 2, 255]).toString('base64') },
        tags: { SS: ['x', 'y'] }, nums: { NS: ['1', '2.5', '3'] },
        blobs: { BS: [Buffer.from('a').toString('base64'), Buffer.from('b').toString('base64')] },
        emptyString: { S: '' },
      },
    });
    const { Item } = await dc.get({ TableName: 'vouchers', Key: { id: 'v-1' } }).promise();
    assert.deepEqual(ep.requests[1].json, { TableName: 'vouchers', Key: { id: { S: 'v-1' } } });
    assert.equal(Item.id, 'v-1');
    assert.equal(Item.count, 7);
    assert.equal(Item.price, -12.5);
    assert.equal(Item.big, 12345678901);
    assert.equal(Item.ok, true);
    assert.equal(Item.no, false);
    assert.equal(Item.nothing, null);
    assert.deepEqual(Item.list, [1, 'two', false, null, [3], { four: 4 }]);
    assert.deepEqual(Item.map, { a: { b: { c: 'deep' } }, empty: {} });
    assert.ok(Buffer.isBuffer(Item.blob));
    assert.deepEqual([...Item.blob], [0, 1, 2, 255]);
    assert.equal(Item.tags.wrapperName, 'Set');
    assert.equal(Item.tags.type, 'String');
    assert.deepEqual(Item.tags.values, ['x', 'y']);
    assert.equal(Item.nums.type, 'Number');
    assert.deepEqual(Item.nums.values, [1, 2.5, 3]);
    assert.equal(Item.blobs.type, 'Binary');
    assert.deepEqual(Item.blobs.values.map(String), ['a', 'b']);
    assert.equal(Item.emptyString, '');
    assert.ok(!('skipped' in Item));
    assert.deepEqual(JSON.parse(JSON.stringify(Item.tags)), ['x', 'y'], 'sets serialize as arrays');

    const scan = await dc.scan({ TableName: 'vouchers' }).promise();
    assert.equal(scan.Items.length, 1);
    assert.equal(scan.Items[0].id, 'v-1');
  } finally {
    await ep.close();
  }
});

test('DocumentClient: update/query/delete/batch/transact requests and outputs are translated', async () => {
  const ep = await fakeEndpoint((rec) => {
    switch (rec.headers['x-amz-target']) {
      case 'DynamoDB_20120810.UpdateItem': return { body: { Attributes: { id: { S: 'a' }, n: { N: '2' } } } };
      case 'DynamoDB_20120810.Query': return { body: { Items: [{ id: { S: 'a' }, n: { N: '1' } }], Count: 1, LastEvaluatedKey: { id: { S: 'a' } } } };
      case 'DynamoDB_20120810.DeleteItem': return { body: { Attributes: { id: { S: 'gone' } } } };
      case 'DynamoDB_20120810.BatchGetItem': return {
        body: { Responses: { t: [{ id: { S: 'a' } }] }, UnprocessedKeys: { t: { Keys: [{ id: { S: 'b' } }] } } },
      };
      case 'DynamoDB_20120810.BatchWriteItem': return {
        body: { UnprocessedItems: { t: [{ PutRequest: { Item: { id: { S: 'c' }, n: { N: '3' } } } }] } },
      };
      case 'DynamoDB_20120810.TransactGetItems': return { body: { Responses: [{ Item: { id: { S: 'x' }, s: { SS: ['p'] } } }, {}] } };
      case 'DynamoDB_20120810.TransactWriteItems': return { body: {} };
      default: return { status: 400, body: { __type: 'x#ValidationException', message: 'no' } };
    }
  });
  try {
    const dc = new AWS.DynamoDB.DocumentClient({ endpoint: ep.url });
    const up = await dc.update({
      TableName: 't', Key: { id: 'a' }, UpdateExpression: 'ADD n :one SET tags = :tags',
      ConditionExpression: 'n < :max', ExpressionAttributeValues: { ':one': 1, ':max': 10, ':tags': dc.createSet(['a']) },
      ReturnValues: 'ALL_NEW',
    }).promise();
    assert.deepEqual(ep.requests[0].json.ExpressionAttributeValues, { ':one': { N: '1' }, ':max': { N: '10' }, ':tags': { SS: ['a'] } });
    assert.deepEqual(ep.requests[0].json.Key, { id: { S: 'a' } });
    assert.deepEqual(up.Attributes, { id: 'a', n: 2 });

    const q = await dc.query({
      TableName: 't', KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': 'a' },
      ExclusiveStartKey: { id: 'z' },
    }).promise();
    assert.deepEqual(ep.requests[1].json.ExclusiveStartKey, { id: { S: 'z' } });
    assert.deepEqual(q.Items, [{ id: 'a', n: 1 }]);
    assert.deepEqual(q.LastEvaluatedKey, { id: 'a' });
    assert.equal(q.Count, 1);

    const del = await dc.delete({ TableName: 't', Key: { id: 'gone' }, ReturnValues: 'ALL_OLD' }).promise();
    assert.deepEqual(del.Attributes, { id: 'gone' });

    const bg = await dc.batchGet({ RequestItems: { t: { Keys: [{ id: 'a' }, { id: 'b' }] } } }).promise();
    assert.deepEqual(ep.requests[3].json.RequestItems, { t: { Keys: [{ id: { S: 'a' } }, { id: { S: 'b' } }] } });
    assert.deepEqual(bg.Responses, { t: [{ id: 'a' }] });
    assert.deepEqual(bg.UnprocessedKeys, { t: { Keys: [{ id: 'b' }] } });

    const bw = await dc.batchWrite({
      RequestItems: { t: [{ PutRequest: { Item: { id: 'c', n: 3 } } }, { DeleteRequest: { Key: { id: 'd' } } }] },
    }).promise();
    assert.deepEqual(ep.requests[4].json.RequestItems, {
      t: [{ PutRequest: { Item: { id: { S: 'c' }, n: { N: '3' } } } }, { DeleteRequest: { Key: { id: { S: 'd' } } } }],
    });
    assert.deepEqual(bw.UnprocessedItems, { t: [{ PutRequest: { Item: { id: 'c', n: 3 } } }] });

    const tg = await dc.transactGet({ TransactItems: [{ Get: { TableName: 't', Key: { id: 'x' } } }, { Get: { TableName: 't', Key: { id: 'y' } } }] }).promise();
    assert.deepEqual(ep.requests[5].json.TransactItems[0], { Get: { TableName: 't', Key: { id: { S: 'x' } } } });
    assert.deepEqual(tg.Responses[0].Item.s.values, ['p']);
    assert.equal(tg.Responses[0].Item.id, 'x');

    await dc.transactWrite({
      ClientRequestToken: 'tok-1',
      TransactItems: [
        { Update: { TableName: 'v', Key: { id: 'x' }, UpdateExpression: 'ADD c :one', ConditionExpression: 'c < :lim', ExpressionAttributeValues: { ':one': 1, ':lim': 100 } } },
        { Put: { TableName: 'r', Item: { id: 'r1', at: 5 }, ConditionExpression: 'attribute_not_exists(id)' } },
        { Delete: { TableName: 'r', Key: { id: 'r0' } } },
        { ConditionCheck: { TableName: 'v', Key: { id: 'y' }, ConditionExpression: 'attribute_exists(id)' } },
      ],
    }).promise();
    const tw = ep.requests[6].json;
    assert.equal(tw.ClientRequestToken, 'tok-1');
    assert.deepEqual(tw.TransactItems[0].Update.ExpressionAttributeValues, { ':one': { N: '1' }, ':lim': { N: '100' } });
    assert.deepEqual(tw.TransactItems[0].Update.Key, { id: { S: 'x' } });
    assert.deepEqual(tw.TransactItems[1].Put.Item, { id: { S: 'r1' }, at: { N: '5' } });
    assert.deepEqual(tw.TransactItems[2].Delete.Key, { id: { S: 'r0' } });
    assert.deepEqual(tw.TransactItems[3].ConditionCheck.Key, { id: { S: 'y' } });
    for (const r of ep.requests) assert.equal(r.headers['content-type'], 'application/x-amz-json-1.0');
  } finally {
    await ep.close();
  }
});

test('DocumentClient: errors pass through; callbacks work; bound params', async () => {
  const ep = await fakeEndpoint(() => ({
    status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException', message: 'Transaction cancelled', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] },
  }));
  try {
    const dc = new AWS.DynamoDB.DocumentClient({ endpoint: ep.url, params: { TableName: 'bound' } });
    const err = await new Promise((resolve) => dc.put({ Item: { id: 'a' } }, (e) => resolve(e)));
    assert.equal(err.code, 'TransactionCanceledException');
    assert.equal(err.statusCode, 400);
    assert.equal(err.retryable, false);
    assert.equal(ep.requests[0].json.TableName, 'bound');
    assert.deepEqual(err.cancellationReasons, [{ Code: 'ConditionalCheckFailed' }]);
  } finally {
    await ep.close();
  }
});

test('Converter: marshall/unmarshall/input/output, convertEmptyValues, wrapNumbers', () => {
  const C = AWS.DynamoDB.Converter;
  assert.deepEqual(C.input('s'), { S: 's' });
  assert.deepEqual(C.input(3), { N: '3' });
  assert.deepEqual(C.input(true), { BOOL: true });
  assert.deepEqual(C.input(null), { NULL: true });
  assert.deepEqual(C.input([1, 'a']), { L: [{ N: '1' }, { S: 'a' }] });
  assert.deepEqual(C.input(Buffer.from('z')), { B: Buffer.from('z') });
  assert.deepEqual(C.marshall({ a: 1, b: { c: ['x'] } }), { a: { N: '1' }, b: { M: { c: { L: [{ S: 'x' }] } } } });
  assert.deepEqual(C.unmarshall({ a: { N: '1' }, b: { M: { c: { L: [{ S: 'x' }] } } } }), { a: 1, b: { c: ['x'] } });
  assert.equal(C.output({ N: '5.5' }), 5.5);
  assert.deepEqual(C.marshall({ e: '', s: 'x' }, { convertEmptyValues: true }), { e: { NULL: true }, s: { S: 'x' } });
  const wrapped = C.output({ N: '12345678901234567890' }, { wrapNumbers: true });
  assert.equal(wrapped.value, '12345678901234567890');
  const item = { id: 'x', n: 1, set: new AWS.DynamoDB.DocumentClient({ region: 'us-east-1' }).createSet([1, 2]) };
  assert.deepEqual(C.unmarshall(C.marshall(item)).set.values, [1, 2]);
  assert.throws(() => new AWS.DynamoDB.DocumentClient({ region: 'us-east-1' }).createSet([1, 'a'], { validate: true }), /Number Set contains String value/);
});

test('Lambda invoke: path, headers, signature; StatusCode, Payload, FunctionError, LogResult', async () => {
  const ep = await fakeEndpoint((rec) => {
    if (rec.url.includes('missing')) {
      return { status: 404, headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException' }, body: { Type: 'User', Message: 'Function not found: arn:aws:lambda:eu-west-1:000000000000:function:missing' } };
    }
    if (rec.headers['x-amz-invocation-type'] === 'Event') return { status: 202, body: '' };
    return {
      status: 200,
      headers: { 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Log-Result': Buffer.from('START ...').toString('base64'), 'X-Amz-Executed-Version': '$LATEST' },
      body: { errorMessage: 'boom', errorType: 'Error' },
    };
  });
  try {
    const lambda = new AWS.Lambda({ endpoint: ep.url });
    const out = await lambda.invoke({ FunctionName: 'my-fn', Payload: JSON.stringify({ a: 1 }), LogType: 'Tail', Qualifier: '$LATEST' }).promise();
    const r = ep.requests[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/2015-03-31/functions/my-fn/invocations?Qualifier=%24LATEST');
    assert.equal(r.headers['x-amz-log-type'], 'Tail');
    assert.equal(r.text, '{"a":1}');
    const sig = verifySigV4(r, r.raw, 'test/secret+key');
    assert.equal(sig.service, 'lambda');
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(Buffer.from(out.LogResult, 'base64').toString(), 'START ...');
    assert.deepEqual(JSON.parse(out.Payload), { errorMessage: 'boom', errorType: 'Error' });
    assert.equal(out.ExecutedVersion, '$LATEST');

    const ev = await lambda.invoke({ FunctionName: 'my-fn', InvocationType: 'Event', Payload: '{}' }).promise();
    assert.equal(ev.StatusCode, 202);
    assert.equal(ep.requests[1].headers['x-amz-invocation-type'], 'Event');

    const arn = 'arn:aws:lambda:eu-west-1:000000000000:function:my-fn';
    await lambda.invoke({ FunctionName: arn, Payload: '{}' }).promise();
    assert.equal(decodeURIComponent(ep.requests[2].url.split('/')[3]), arn);
    verifySigV4(ep.requests[2], ep.requests[2].raw, 'test/secret+key');

    const err = await lambda.invoke({ FunctionName: 'missing', Payload: '{}' }).promise().catch((e) => e);
    assert.equal(err.code, 'ResourceNotFoundException');
    assert.equal(err.statusCode, 404);
    assert.match(err.message, /Function not found/);
    assert.equal(err.retryable, false);
  } finally {
    await ep.close();
  }
});

test('inside the runtime: a 2015-style function uses require("aws-sdk") against AWS_ENDPOINT_URL', async () => {
  const ep = await fakeEndpoint((rec) => (rec.json && rec.json.ConditionExpression
    ? { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' } }
    : { body: { Item: { id: { S: 'v1' }, redemptions: { N: '3' } } } }));
  try {
    await withRuntime({
      'index.js': `var AWS = require('aws-sdk');
        var async = require('async');
        var doc = new AWS.DynamoDB.DocumentClient();
        exports.handler = function (event, context) {
          async.waterfall([
            function (cb) { doc.get({ TableName: 'vouchers', Key: { id: event.id } }, cb); },
            function (data, cb) {
              if (!event.conditional) return cb(null, data.Item);
              doc.put({ TableName: 'vouchers', Item: data.Item, ConditionExpression: 'attribute_not_exists(id)' }, cb);
            },
          ], function (err, item) { context.done(err, item); });
        };`,
    }, 'index.handler', async ({ api }) => {
      const ok = await api.invoke({ id: 'v1' });
      assert.equal(ok.kind, 'response');
      assert.deepEqual(ok.body, { id: 'v1', redemptions: 3 });
      const r = ep.requests[0];
      assert.equal(r.headers['x-amz-target'], 'DynamoDB_20120810.GetItem');
      const sig = verifySigV4(r, r.raw, 'secret');
      assert.equal(sig.accessKey, 'AKIDTEST');
      assert.equal(sig.region, 'us-east-1');
      assert.equal(r.headers['x-amz-security-token'], 'token');

      const bad = await api.invoke({ id: 'v1', conditional: true });
      assert.equal(bad.kind, 'error');
      assert.equal(bad.body.errorType, 'ConditionalCheckFailedException');
      assert.equal(bad.body.errorMessage, 'The conditional request failed');
    }, { env: { AWS_ENDPOINT_URL: ep.url } });
  } finally {
    await ep.close();
  }
});

test('errors: no body -> UnknownError with the status code as message; message is enumerable', async () => {
  const ep = await fakeEndpoint(() => ({ status: 503, body: '' }));
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url, maxRetries: 0 });
    const err = await ddb.listTables({}).promise().catch((e) => e);
    assert.equal(err.code, 'UnknownError');
    assert.equal(err.message, '503');
    assert.equal(err.statusCode, 503);
    assert.equal(err.retryable, true);
    assert.equal(ep.requests.length, 1, 'maxRetries: 0 means one attempt');
    const json = JSON.parse(JSON.stringify(err));
    assert.equal(json.message, '503');
    assert.equal(json.code, 'UnknownError');
  } finally {
    await ep.close();
  }
});

test('DynamoDB waitFor tableExists / tableNotExists poll DescribeTable', async () => {
  let n = 0;
  const ep = await fakeEndpoint((rec) => {
    if (rec.json.TableName === 'gone') {
      return { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' } };
    }
    n++;
    return { body: { Table: { TableName: 't', TableStatus: n < 3 ? 'CREATING' : 'ACTIVE', CreationDateTime: 1700000000.5 } } };
  });
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url });
    const data = await ddb.waitFor('tableExists', { TableName: 't', $waiter: { delay: 0.01 } }).promise();
    assert.equal(data.Table.TableStatus, 'ACTIVE');
    assert.equal(n, 3);
    assert.ok(data.Table.CreationDateTime instanceof Date);
    assert.equal(data.Table.CreationDateTime.getTime(), 1700000000500);
    for (const r of ep.requests) assert.equal(r.headers['x-amz-target'], 'DynamoDB_20120810.DescribeTable');
    assert.ok(!('$waiter' in ep.requests[0].json), '$waiter is not sent');
    await new Promise((resolve, reject) => ddb.waitFor('tableNotExists', { TableName: 'gone' }, (err) => (err ? reject(err) : resolve())));
  } finally {
    await ep.close();
  }
});

test('AWS.Request eachPage follows LastEvaluatedKey to the end', async () => {
  const ep = await fakeEndpoint((rec) => {
    const start = rec.json.ExclusiveStartKey ? Number(rec.json.ExclusiveStartKey.id.N) : 0;
    const items = [{ id: { N: String(start + 1) } }, { id: { N: String(start + 2) } }];
    return { body: start >= 4 ? { Items: items, Count: 2 } : { Items: items, Count: 2, LastEvaluatedKey: { id: { N: String(start + 2) } } } };
  });
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url });
    const pages = await new Promise((resolve, reject) => {
      const seen = [];
      ddb.scan({ TableName: 't' }).eachPage((err, data) => {
        if (err) return reject(err);
        if (data === null) return resolve(seen);
        seen.push(data.Items.map((i) => i.id.N));
        return true;
      });
    });
    assert.deepEqual(pages, [['1', '2'], ['3', '4'], ['5', '6']]);
    assert.equal(ep.requests.length, 3);
    assert.deepEqual(ep.requests[2].json.ExclusiveStartKey, { id: { N: '4' } });
  } finally {
    await ep.close();
  }
});

test('DynamoDB x-amz-crc32: a matching checksum is accepted, a wrong one is retried then fails', async () => {
  const zlib = require('node:zlib');
  const body = JSON.stringify({ TableNames: ['a'] });
  let good = true;
  const ep = await fakeEndpoint(() => ({ body, headers: { 'x-amz-crc32': String(good ? zlib.crc32(Buffer.from(body)) : 12345) } }));
  try {
    const ddb = new AWS.DynamoDB({ endpoint: ep.url, maxRetries: 2, retryDelayOptions: { base: 1 } });
    assert.deepEqual(await ddb.listTables({}).promise(), { TableNames: ['a'] });
    good = false;
    const err = await ddb.listTables({}).promise().catch((e) => e);
    assert.equal(err.code, 'CRC32CheckFailed');
    assert.equal(err.retryable, true);
    assert.equal(ep.requests.length, 1 + 3);
  } finally {
    await ep.close();
  }
});
