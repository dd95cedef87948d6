// Small pieces every route handler uses: JSON replies, strict bodies, forwarding (Status to HTTP
// is api/status_http.h).
#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <string>
#include <vector>

#include "agent/http/forwarding.h"
#include "api/status_http.h"
#include "common/http/client.h"
#include "common/http/message.h"
#include "common/status.h"

namespace lockstep::agent {

// A reply carrying `message`: JSON by default, the binary protobuf encoding for a caller that
// asks for it (http::kProtobufType), rendered once the server knows which.
http::Reply JsonReply(const google::protobuf::Message& message, int status = 200);
using api::StatusReply;
// The result's message as JsonReply with `status`, or its error as StatusReply.
template <typename Message>
http::Reply ResultReply(const Result<Message>& result, int status = 200) {
  return result.ok() ? JsonReply(*result, status) : StatusReply(result.status());
}
// The query parameter `key`, or `otherwise` when the request has none.
std::string QueryOr(const http::Request& request, const std::string& key,
                    const std::string& otherwise);
// Parses a request body strictly (unknown fields refused); an empty body leaves `message` empty.
Status ParseBody(const http::Request& request, google::protobuf::Message* message);
// Sends the request on to another agent as `self` forwards it (forwarding.h: the caller's own
// credential, and the proof that an agent forwarded it); that agent's reply, marked relayed, or
// a 502 naming `who` when it doesn't answer.
http::Reply ForwardTo(const http::Client& client, const std::string& url, const std::string& who,
                      const http::Request& request, const ForwardingAgent& self,
                      std::chrono::milliseconds timeout);

// The archive at `path` as a streamed file reply, or 404 saying `master` holds none of `id`.
http::Reply ArchiveReply(const std::string& master, const std::string& id, bool held,
                         const std::string& path);

}  // namespace lockstep::agent
