// Both directions of the one mapping between a Status and an HTTP reply, so the agent that
// answers and the clients that ask (the coordinator, peers, the CLI) can't drift apart:
//   InvalidArgument 400, NotFound 404, Busy 409, FailedPrecondition 412, Unavailable 503,
//   anything else 500; the body is {"error": message, "code": machine-readable code}.
#pragma once

#include <string>

#include "common/http/message.h"
#include "common/status.h"

namespace lockstep::api {

// The error code of a 503 that says no coordinator can be elected at all (ZooKeeper has had no
// quorum for a while): asking again soon is pointless, so a client stops there rather than
// repeat its request until its timeout.
inline constexpr char kNoQuorumCode[] = "no_quorum";
// The `code` of an error reply's body, or "" when it has none.
std::string ErrorCodeOf(const http::Reply& reply);

// The HTTP status for a failed operation.
int HttpStatusFor(const Status& status);
// The error reply for a failed operation.
http::Reply StatusReply(const Status& status);
// A non-2xx reply as a Status: the agent's own error message, the code mapped back (400
// InvalidArgument, 401/403 Unavailable "not authorised", 404 NotFound, 409 Busy, 412
// FailedPrecondition, 502-504 Unavailable, else Internal). `where` names the peer and path when
// the body carries no message.
Status StatusFromReply(const http::Reply& reply, const std::string& where);

}  // namespace lockstep::api
