#include "api/status_http.h"

#include "proto/agent.pb.h"
#include "proto/json.h"

namespace lockstep::api {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kBusy:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

http::Reply StatusReply(const Status& status) {
  static const char* kCodes[] = {"ok",         "bad_request", "not_found",
                                 "busy",       "unavailable", "failed_precondition",
                                 "corruption", "io_error",    "internal"};
  return http::ErrorReply(HttpStatusFor(status), kCodes[static_cast<int>(status.code())],
                          status.message());
}

std::string ErrorCodeOf(const http::Reply& reply) {
  proto::ErrorReply error;
  return proto::FromJson(reply.body, &error, true).ok() ? error.code() : "";
}

Status StatusFromReply(const http::Reply& reply, const std::string& where) {
  proto::ErrorReply error;
  std::string message = proto::FromJson(reply.body, &error, true).ok() && !error.error().empty()
                            ? error.error()
                            : "HTTP " + std::to_string(reply.status) + " from " + where;
  switch (reply.status) {
    case 400:
    case 405:
    case 413:
    case 431:
      return InvalidArgument(message);
    case 401:
    case 403:
      return Status(StatusCode::kUnavailable, "not authorised: " + message);
    case 404:
      return NotFound(message);
    case 409:
      return Status(StatusCode::kBusy, message);
    case 412:
      return FailedPrecondition(message);
    case 502:
    case 503:
    case 504:
      return Status(StatusCode::kUnavailable, message);
    default:
      return Internal(message);
  }
}

}  // namespace lockstep::api
