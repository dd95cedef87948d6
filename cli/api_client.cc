#include "cli/api_client.h"

#include "api/status_http.h"
#include "api/token.h"
#include "common/http/client.h"
#include "common/http/tls.h"
#include "common/strings.h"
#include "proto/agent.pb.h"
#include "proto/json.h"

namespace lockstep::cli {
Result<std::string> CallApi(const ClusterFlags& flags, const ApiRequest& request,
                            std::string* content_type) {
  if (flags.url.empty()) {
    return InvalidArgument(
        "no cluster given: pass --cluster URL (any agent, e.g. "
        "http://10.0.0.1:8420) or set LOCKSTEP_CLUSTER");
  }
  if (flags.token_file.empty()) {
    return InvalidArgument("no token given: pass --token-file FILE or set LOCKSTEP_TOKEN_FILE");
  }
  Result<std::string> token = api::LoadToken(flags.token_file);
  if (!token.ok()) return InvalidArgument(token.status().message());
  // Any agent will do: try each given URL until one answers.
  std::string unreachable;
  for (const std::string& each : SplitNonEmpty(flags.url, ',')) {
    ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(each));
    std::shared_ptr<boost::asio::ssl::context> tls;
    if (url.tls) {
      ASSIGN_OR_RETURN(tls, http::MakeClientContext({.ca_file = flags.ca_file}));
    }
    http::Client client(tls);
    Result<http::Reply> reply = client.Call(url, {.method = request.method,
                                                  .target = request.path,
                                                  .body = request.body,
                                                  .token = *token,
                                                  .accept = request.accept,
                                                  .timeout = request.timeout,
                                                  .upload_file = request.upload_file,
                                                  .download_file = request.download_file,
                                                  .progress = request.progress});
    if (!reply.ok()) {
      unreachable += (unreachable.empty() ? "" : "; ") + reply.status().message();
      continue;
    }
    if (reply->status / 100 != 2) {
      return api::StatusFromReply(*reply, url.ToString() + request.path);
    }
    if (content_type) *content_type = reply->content_type;
    return std::move(reply->body);
  }
  return Status(StatusCode::kUnavailable,
                unreachable +
                    "; check --cluster (a comma-separated list of agents is tried in "
                    "order) and that the agents run");
}

Status CallApiFor(const ClusterFlags& flags, const ApiRequest& request,
                  google::protobuf::Message* reply) {
  ApiRequest binary = request;
  binary.accept = http::kProtobufType;
  std::string content_type;
  ASSIGN_OR_RETURN(std::string body, CallApi(flags, binary, &content_type));
  if (content_type == http::kProtobufType) {
    if (reply->ParseFromString(body)) return Status::Ok();
    return InvalidArgument("unexpected answer from the agent: not a " + reply->GetTypeName());
  }
  return proto::FromJson(body, reply, true).Prepend("unexpected answer from the agent");
}

}  // namespace lockstep::cli
