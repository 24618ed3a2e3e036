// A webhook receiver for bench/webhooks: answers 200 at once and counts requests and items; GET /count tells.
import http from 'node:http';

let requests = 0;
let items = 0;
const server = http.createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ requests, items }));
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    requests += 1;
    items += JSON.parse(Buffer.concat(chunks).toString('utf8')).data.items.length;
    response.writeHead(204);
    response.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
