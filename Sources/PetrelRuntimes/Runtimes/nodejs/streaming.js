'use strict';
// Response streaming (awslambda.streamifyResponse): loaded only when a handler
// streams. The handler gets a Writable; what it writes goes to the Runtime API
// as a chunked POST of the invocation's /response in streaming mode, on a
// connection of its own, while the caller reads it. A failure after the first
// byte is reported in the request's trailers, as AWS's runtime does.
const http = require('http');
const { Writable } = require('stream');

const PRELUDE_TYPE = 'application/vnd.awslambda.http-integration-response';

// For function URLs: the status, headers and cookies, then eight zero bytes,
// then the body.
class HttpResponseStream {
  static from(stream, prelude) {
    stream.setContentType(PRELUDE_TYPE);
    stream.write(JSON.stringify(prelude || {}));
    stream.write(Buffer.alloc(8));
    return stream;
  }
}

// rt: { host, port, path, toRuntimeResponse(err), headerValue(v), logError(err), done(), gone(err) }
function invoke(handler, event, context, rt) {
  const req = http.request({
    host: rt.host, port: rt.port, method: 'POST', path: rt.path, agent: false,
    headers: {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Transfer-Encoding': 'chunked',
      'Content-Type': 'application/octet-stream',
      Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
    },
  });
  req.setNoDelay(true);
  req.on('response', (res) => {
    res.resume();
    res.on('end', rt.done);
  });
  req.on('error', rt.gone);

  const stream = new Writable({
    highWaterMark: handler[HIGH_WATER_MARK] || 16384,
    write(chunk, encoding, cb) { req.write(chunk, encoding, cb); },
    final(cb) { req.end(cb); },
  });
  stream.setContentType = (type) => {
    if (!req.headersSent) req.setHeader('Content-Type', String(type));
  };

  let failed = false;
  const fail = (err) => {
    if (failed) return;
    failed = true;
    rt.logError(err);
    const resp = rt.toRuntimeResponse(err);
    if (!req.writableEnded) {
      req.addTrailers({
        'Lambda-Runtime-Function-Error-Type': rt.headerValue(resp.errorType),
        'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(resp)).toString('base64'),
      });
    }
    if (!stream.writableEnded) stream.end();
    else if (!req.writableEnded) req.end();
  };
  stream.on('error', fail);

  let result;
  try {
    result = handler(event, stream, context);
  } catch (err) {
    fail(err);
    return;
  }
  Promise.resolve(result).then(() => {
    if (!stream.writableEnded) stream.end();
  }, fail);
}

const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

function streamifyResponse(handler, options) {
  handler[STREAMING] = 'response';
  if (options && Number.isInteger(options.highWaterMark) && options.highWaterMark > 0) {
    handler[HIGH_WATER_MARK] = options.highWaterMark;
  }
  return handler;
}

module.exports = { HttpResponseStream, invoke, streamifyResponse, STREAMING };
