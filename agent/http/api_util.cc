#include "agent/http/api_util.h"

#include <memory>

#include "common/clock.h"
#include "common/strings.h"
#include "proto/json.h"

namespace lockstep::agent {

http::Reply JsonReply(const google::protobuf::Message& message, int status) {
  std::shared_ptr<google::protobuf::Message> copy(message.New());
  copy->CopyFrom(message);
  http::Reply reply{.status = status};
  reply.render = [copy](bool binary) {
    return binary ? copy->SerializeAsString() : proto::ToCompactJson(*copy);
  };
  return reply;
}

std::string QueryOr(const http::Request& request, const std::string& key,
                    const std::string& otherwise) {
  auto it = request.query.find(key);
  return it == request.query.end() ? otherwise : it->second;
}

Status ParseBody(const http::Request& request, google::protobuf::Message* message) {
  if (request.body.empty()) return Status::Ok();
  return proto::FromJson(request.body, message);
}

http::Reply ForwardTo(const http::Client& client, const std::string& url, const std::string& who,
                      const http::Request& request, const ForwardingAgent& self,
                      std::chrono::milliseconds timeout) {
  Result<http::Url> parsed = http::ParseUrl(url);
  if (!parsed.ok()) return StatusReply(parsed.status());
  Result<http::Reply> reply =
      client.Call(*parsed, ForwardedCall(self, request, timeout, UnixSecondsNow()));
  if (!reply.ok()) {
    if (reply.status().code() == StatusCode::kInvalidArgument) return StatusReply(reply.status());
    return http::ErrorReply(502, "unavailable",
                            who + " did not answer: " + reply.status().message());
  }
  reply->relayed = true;
  return *reply;
}

http::Reply ArchiveReply(const std::string& master, const std::string& id, bool held,
                         const std::string& path) {
  if (!held) {
    return http::ErrorReply(404, "not_found",
                            master + " holds no replica of " + id +
                                "; `lockstep backup show` lists the masters that do");
  }
  http::Reply reply;
  reply.file_path = path;
  return reply;
}

}  // namespace lockstep::agent
