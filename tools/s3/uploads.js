// The multipart calls s3rver 3.7.1 lacks, on its own store layout (an upload in progress is the
// folder DIR/BUCKET/._S3rver_uploads/UPLOAD_ID holding `key`, `metadata` and one file per part):
// ListMultipartUploads, AbortMultipartUpload, and NoSuchUpload for a part or completion sent to
// an upload that doesn't exist (s3rver would create it, or fail with a 500).
'use strict';

const fs = require('fs');
const path = require('path');
const { sendError, escapeXml } = require('./errors');

function uploadsDir(directory, bucket) {
  return path.join(directory, bucket, '._S3rver_uploads');
}

// [bucket, key] of a path-style "/bucket/key…".
function bucketAndKey(decodedPath) {
  const [, bucket = '', ...rest] = decodedPath.split('/');
  return [bucket, rest.join('/')];
}

function listUploads(res, directory, bucket, prefix) {
  const dir = uploadsDir(directory, bucket);
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const found = [];
  for (const id of entries) {
    const keyFile = path.join(dir, id, 'key');
    if (!fs.existsSync(keyFile)) continue;
    const key = fs.readFileSync(keyFile, 'utf8');
    if (key.startsWith(prefix)) found.push({ id, key, initiated: fs.statSync(keyFile).mtime });
  }
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : 1));
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult>' +
    `<Bucket>${escapeXml(bucket)}</Bucket><Prefix>${escapeXml(prefix)}</Prefix>` +
    '<IsTruncated>false</IsTruncated>' +
    found.map(u => `<Upload><Key>${escapeXml(u.key)}</Key><UploadId>${u.id}</UploadId>` +
                   `<Initiated>${u.initiated.toISOString()}</Initiated></Upload>`).join('') +
    '</ListMultipartUploadsResult>';
  res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

// True when it answered the request itself.
async function handle(req, res, directory, decodedPath, query) {
  const [bucket, key] = bucketAndKey(decodedPath);
  if (!bucket) return false;
  if (req.method === 'GET' && !key && 'uploads' in query) {
    req.resume();
    listUploads(res, directory, bucket, query.prefix || '');
    return true;
  }
  if (!key || !('uploadId' in query)) return false;
  const dir = path.join(uploadsDir(directory, bucket), path.basename(String(query.uploadId)));
  if (!fs.existsSync(dir)) {
    req.resume();
    sendError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    return true;
  }
  if (req.method === 'DELETE') {
    req.resume();
    fs.rmSync(dir, { recursive: true, force: true });
    res.writeHead(204);
    res.end();
    return true;
  }
  return false;
}

module.exports = { handle };
