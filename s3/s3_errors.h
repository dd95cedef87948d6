// Turning S3's failures into Status values that say what failed (the operation, the endpoint,
// bucket and key), S3's error Code and Message, and what to do next. The code tells the caller
// whether to retry:
//   kUnavailable         retryable: unreachable, timed out, 500/502/503/504, 429, SlowDown,
//                        InternalError, RequestTimeout, a body corrupted in transit
//   kNotFound            permanent: 404 (NoSuchKey, NoSuchBucket, NoSuchUpload)
//   kFailedPrecondition  permanent until the setup changes: 403 (bad credentials, no
//                        permission, a skewed clock), 409 (bucket exists / not empty), 412
//   kInvalidArgument     permanent: any other 4xx (S3 refused the request itself)
#pragma once

#include <string>

#include "common/http/message.h"
#include "common/status.h"

namespace lockstep::s3 {

struct RequestContext {
  std::string operation;  // "uploading part 3 of", "reading", …
  std::string endpoint;   // "http://127.0.0.1:9000"
  std::string bucket;
  std::string key;               // full key; empty for bucket-level requests
  std::string Describe() const;  // "reading s3://bucket/key at http://127.0.0.1:9000"
};

// Ok for a 2xx reply; otherwise the classified error built from S3's <Error> body.
Status StatusFromReply(const RequestContext& context, const http::Reply& reply);

// A transport failure (the HTTP client's Status) with the request's context; stays retryable.
Status StatusFromTransport(const RequestContext& context, const Status& failure);

// True when the caller should back off and try the same request again.
inline bool IsRetryable(const Status& status) { return status.code() == StatusCode::kUnavailable; }

}  // namespace lockstep::s3
