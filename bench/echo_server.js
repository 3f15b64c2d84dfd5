// The warm path's floor: a bare Node HTTP server that echoes the request body, driven by the
// same loadgen.js as Petrel's invoke endpoint. Usage: node echo_server.js PORT
'use strict';
const http = require('http');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  });
}).listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening'));
