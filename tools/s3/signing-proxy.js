#!/usr/bin/env node
// Lockstep's S3 test server: s3rver (a filesystem-backed S3 clone) behind a proxy that checks
// every request's Signature Version 4 with AWS's own signer, as S3 does. s3rver 3.7.1 accepts any
// V4 signature, so without this proxy a signing bug in Lockstep would pass the tests.
//
// The proxy answers S3's 403s itself (AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch,
// RequestTimeTooSkewed), checks bodies against x-amz-content-sha256 and Content-MD5, adds the
// multipart calls s3rver lacks (ListMultipartUploads, AbortMultipartUpload, NoSuchUpload), and
// streams everything else to s3rver listening on another loopback port of the same process.
// Path-style requests only (the host is an IP address).
//
//   node signing-proxy.js --directory DIR --address 127.0.0.1 --port 9000 \
//        --access-key KEY --secret-key SECRET [--region us-east-1]
//
// Prints "s3 test server ready on http://ADDRESS:PORT" once it serves.
'use strict';

const crypto = require('crypto');
const http = require('http');
const S3rver = require('s3rver');
const { SignatureV4 } = require('@aws-sdk/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');
const { escapeUri } = require('@smithy/util-uri-escape');
const uploads = require('./uploads');
const { sendError } = require('./errors');

const MAX_SKEW_MS = 15 * 60 * 1000;  // S3's limit between the request's date and the server's
const AUTH_PATTERN = new RegExp(
  '^AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/s3/aws4_request,\\s*' +
    'SignedHeaders=([a-z0-9;-]+),\\s*Signature=([0-9a-f]{64})$');

function parseArgs(argv) {
  const options = { address: '127.0.0.1', port: 9000, region: 'us-east-1' };
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    options[name] = argv[i + 1];
  }
  for (const required of ['directory', 'accessKey', 'secretKey']) {
    if (!options[required]) throw new Error(`--${required} is required`);
  }
  options.port = Number(options.port);
  return options;
}

// "20130524T000000Z" as a Date; null when malformed.
function parseAmzDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text || '');
  return m ? new Date(Date.UTC(m[1], m[2] - 1, m[3], m[4], m[5], m[6])) : null;
}

function splitTarget(url) {
  const question = url.indexOf('?');
  const rawPath = question < 0 ? url : url.slice(0, question);
  const rawQuery = question < 0 ? '' : url.slice(question + 1);
  const query = {};
  for (const pair of rawQuery.split('&').filter(Boolean)) {
    const equals = pair.indexOf('=');
    const name = decodeURIComponent(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : decodeURIComponent(pair.slice(equals + 1));
    query[name] = name in query ? [].concat(query[name], value) : value;
  }
  // S3 decodes the path and encodes each segment once (no double encoding, unlike other services).
  const path = rawPath.split('/').map(s => escapeUri(decodeURIComponent(s))).join('/');
  return { path, query, decodedPath: decodeURIComponent(rawPath) };
}

// Null when the request is signed right; otherwise the S3 error to answer.
async function checkSignature(req, options) {
  const header = req.headers.authorization;
  if (!header) return { status: 403, code: 'AccessDenied', message: 'Anonymous access is refused' };
  const m = AUTH_PATTERN.exec(header);
  if (!m) {
    return { status: 400, code: 'AuthorizationHeaderMalformed',
             message: 'The authorization header is malformed' };
  }
  const [, accessKey, , region, signedHeaders, signature] = m;
  if (accessKey !== options.accessKey) {
    return { status: 403, code: 'InvalidAccessKeyId',
             message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  if (region !== options.region) {
    return { status: 400, code: 'AuthorizationHeaderMalformed',
             message: `the region '${region}' is wrong; expecting '${options.region}'` };
  }
  const date = parseAmzDate(req.headers['x-amz-date']);
  if (!date) return { status: 403, code: 'AccessDenied', message: 'x-amz-date is missing or bad' };
  if (Math.abs(Date.now() - date.getTime()) > MAX_SKEW_MS) {
    return { status: 403, code: 'RequestTimeTooSkewed',
             message: 'The difference between the request time and the current time is too large.' };
  }
  if (!req.headers['x-amz-content-sha256']) {
    return { status: 400, code: 'InvalidRequest',
             message: 'Missing required header for this request: x-amz-content-sha256' };
  }
  const names = signedHeaders.split(';');
  if (!names.includes('host')) {
    return { status: 400, code: 'AuthorizationHeaderMalformed', message: 'host must be signed' };
  }
  const headers = {};
  for (const name of names) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  const { path, query } = splitTarget(req.url);
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKey, secretAccessKey: options.secretKey },
    region: options.region, service: 's3', sha256: Sha256, uriEscapePath: false,
  });
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: req.headers.host, path, query, headers },
    { signingDate: date, signableHeaders: new Set(names) });
  const expected = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)[1];
  if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return { status: 403, code: 'SignatureDoesNotMatch',
             message: 'The request signature we calculated does not match the signature you ' +
                      'provided. Check your key and signing method.' };
  }
  return null;
}

// Streams the request to s3rver while hashing it; the last chunk is held back until the body
// matches x-amz-content-sha256 and Content-MD5, so a corrupted body never completes upstream.
function forward(req, res, options) {
  const headers = { ...req.headers };
  delete headers.authorization;  // checked here; s3rver knows only its own keys
  const upstream = http.request({
    host: options.address, port: options.upstreamPort, method: req.method, path: req.url, headers,
  });
  upstream.on('response', reply => {
    res.writeHead(reply.statusCode, reply.headers);
    reply.pipe(res);
  });
  upstream.on('error', err => {
    if (!res.headersSent) sendError(res, 500, 'InternalError', err.message);
  });
  const wantSha = req.headers['x-amz-content-sha256'];
  const wantMd5 = req.headers['content-md5'];
  const sha = crypto.createHash('sha256');
  const md5 = crypto.createHash('md5');
  let held = null;
  req.on('data', chunk => {
    sha.update(chunk);
    md5.update(chunk);
    if (held) upstream.write(held);
    held = chunk;
  });
  req.on('end', () => {
    if (wantSha !== 'UNSIGNED-PAYLOAD' && sha.digest('hex') !== wantSha) {
      upstream.destroy();
      return sendError(res, 400, 'XAmzContentSHA256Mismatch',
                       "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    if (wantMd5 && md5.digest('base64') !== wantMd5) {
      upstream.destroy();
      return sendError(res, 400, 'BadDigest',
                       'The Content-MD5 you specified did not match what we received.');
    }
    upstream.end(held || undefined);
  });
}

async function handle(req, res, options) {
  const failure = await checkSignature(req, options);
  if (failure) {
    req.resume();
    return sendError(res, failure.status, failure.code, failure.message);
  }
  const { decodedPath, query } = splitTarget(req.url);
  if (await uploads.handle(req, res, options.directory, decodedPath, query)) return;
  forward(req, res, options);
}

async function main() {
  const options = parseArgs(process.argv);
  const s3rver = new S3rver({
    address: options.address, port: 0, directory: options.directory, silent: true,
  });
  const upstream = await s3rver.run();
  options.upstreamPort = upstream.port;
  const server = http.createServer((req, res) => {
    handle(req, res, options).catch(err => {
      if (!res.headersSent) sendError(res, 500, 'InternalError', String(err));
    });
  });
  server.listen(options.port, options.address, () => {
    console.log(`s3 test server ready on http://${options.address}:${server.address().port}`);
  });
  const stop = () => server.close(() => s3rver.close().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch(err => {
  console.error(`s3 test server: ${err.message}`);
  process.exit(1);
});
