#include "s3/s3_errors.h"

#include <map>

#include "s3/s3_responses.h"

namespace lockstep::s3 {
namespace {

// What to do next, for the error codes an operator can act on.
std::string Advice(const std::string& code, int http_status) {
  static const std::map<std::string, std::string> kAdvice = {
      {"SignatureDoesNotMatch",
       "check the secret access key for this access key id, and the endpoint's region (some "
       "stores, Swift's S3 API among them, also answer so for an access key id they do not "
       "know)"},
      {"InvalidAccessKeyId",
       "the endpoint does not know this access key id; check the credentials"},
      {"InvalidToken", "the session token is invalid; renew the temporary credentials"},
      {"ExpiredToken", "the session token has expired; renew the temporary credentials"},
      {"RequestTimeTooSkewed",
       "this machine's clock is more than 15 minutes off the store's; fix the clock (NTP)"},
      {"AccessDenied", "the credentials lack permission for this operation on the bucket"},
      {"AuthorizationHeaderMalformed", "check the region configured for the endpoint"},
      {"NoSuchBucket", "create the bucket or correct its name"},
      {"NoSuchKey", "the object does not exist"},
      {"NoSuchUpload", "the multipart upload was already completed or aborted"},
      {"SlowDown", "the store is throttling requests; retry after a back-off"},
      {"BucketNotEmpty", "delete the bucket's objects first"},
  };
  if (auto it = kAdvice.find(code); it != kAdvice.end()) return it->second;
  if (http_status >= 500) return "the store failed; retry after a back-off";
  return "";
}

StatusCode Classify(const std::string& code, int http_status) {
  if (http_status >= 500 || http_status == 429 || code == "SlowDown" || code == "InternalError" ||
      code == "RequestTimeout" || code == "BadDigest" || code == "XAmzContentSHA256Mismatch" ||
      code == "IncompleteBody") {
    return StatusCode::kUnavailable;
  }
  if (http_status == 404) return StatusCode::kNotFound;
  if (http_status == 403 || http_status == 409 || http_status == 412) {
    return StatusCode::kFailedPrecondition;
  }
  return StatusCode::kInvalidArgument;
}

}  // namespace

std::string RequestContext::Describe() const {
  std::string what = operation + " s3://" + bucket;
  if (!key.empty()) what += "/" + key;
  return what + " at " + endpoint;
}

Status StatusFromReply(const RequestContext& context, const http::Reply& reply) {
  if (reply.status / 100 == 2) return Status::Ok();
  const std::optional<ErrorBody> error = ParseErrorBody(reply.body);
  // A HEAD reply has no body: S3's code is then implied by the status alone.
  const std::string code = error ? error->code : reply.status == 404 ? "NotFound" : "";
  std::string message = context.Describe() + " failed: HTTP " + std::to_string(reply.status);
  if (!code.empty()) message += " " + code;
  if (error && !error->message.empty()) message += ": " + error->message;
  if (error && !error->request_id.empty()) message += " (request id " + error->request_id + ")";
  const std::string advice = Advice(code, reply.status);
  if (!advice.empty()) message += "; " + advice;
  return Status(Classify(code, reply.status), message);
}

Status StatusFromTransport(const RequestContext& context, const Status& failure) {
  return Status(failure.code(),
                context.Describe() + " failed: " + failure.message() +
                    (failure.code() == StatusCode::kUnavailable ? "; retry after a back-off" : ""));
}

}  // namespace lockstep::s3
