// A webhook receiver, run as a process of its own by the e2e tests (node test/support/webhook-receiver.mjs).
// It verifies every request's Standard Webhooks signature with the secrets in $RECEIVER_DIR/secrets
// (one per line), answers as $RECEIVER_DIR/mode.json says ({"status": 200, "delayMs": 0}), and
// appends one line per request to $RECEIVER_DIR/received.jsonl: what came, whether the signature
// held, and what it answered (acked: a 2xx written to a connection still open).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const dir = process.env.RECEIVER_DIR;
const port = Number(process.env.RECEIVER_PORT ?? 0);

function readOr(file, fallback) {
  try {
    return readFileSync(path.join(dir, file), 'utf8');
  } catch {
    return fallback;
  }
}

function verify(id, timestamp, body, header) {
  const secrets = readOr('secrets', '').split('\n').map((line) => line.trim()).filter(Boolean);
  const given = (header ?? '').split(' ');
  return secrets.some((secret) => {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = Buffer.from(`v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`);
    return given.some((candidate) => Buffer.byteLength(candidate) === expected.length && timingSafeEqual(Buffer.from(candidate), expected));
  });
}

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const id = request.headers['webhook-id'];
    const timestamp = request.headers['webhook-timestamp'];
    const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
    const valid = typeof id === 'string' && fresh && verify(id, timestamp, body, request.headers['webhook-signature']);
    let envelope = null;
    try {
      envelope = JSON.parse(body);
    } catch {
      envelope = null;
    }
    const mode = JSON.parse(readOr('mode.json', '{"status":200,"delayMs":0}'));
    const status = valid ? mode.status : 401;
    const answer = () => {
      const acked = !request.socket.destroyed && status >= 200 && status < 300;
      appendFileSync(
        path.join(dir, 'received.jsonl'),
        `${JSON.stringify({ path: request.url, id, valid, status, acked, idMatches: envelope?.id === id, envelope, at: Date.now() })}\n`,
      );
      if (!request.socket.destroyed) response.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 500 ? 'receiver says no' : 'ok');
    };
    if (mode.delayMs > 0) setTimeout(answer, mode.delayMs);
    else answer();
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port }));
});
