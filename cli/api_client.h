// How cluster commands reach the cluster: any agent's URL (--cluster / $LOCKSTEP_CLUSTER), the
// shared token (--token-file / $LOCKSTEP_TOKEN_FILE), and for https a CA (--ca-file /
// $LOCKSTEP_CA_FILE) and, where the agents ask for one ([tls] client_ca_file), a client
// certificate (--client-cert/--client-key, $LOCKSTEP_CLIENT_CERT/$LOCKSTEP_CLIENT_KEY). HTTP
// answers become Status codes the exit codes follow.
#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/http/client.h"
#include "common/http/message.h"
#include "common/http/url.h"
#include "common/status.h"

namespace lockstep::cli {

struct ClusterFlags {
  std::string url;
  std::string token_file;
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
};

// A TLS client for `url` as the flags say (none for http://).
Result<std::shared_ptr<boost::asio::ssl::context>> TlsFor(const ClusterFlags& flags,
                                                          const http::Url& url);

struct ApiRequest {
  std::string method = "GET";
  std::string path;
  std::string body;
  std::chrono::milliseconds timeout{10000};  // an idle timeout when a file is streamed
  std::string upload_file;                   // the body, streamed from this file
  std::string download_file;                 // a 2xx body, streamed into this file
  http::TransferProgress progress;
  std::string accept;  // the Accept header; CallApiFor asks for binary protobuf
  // Carries a request id, so a retry never acts twice: an agent answering 503 (no coordinator it
  // can confirm, e.g. one cut off from the quorum) is passed over for the next one given.
  bool repeatable = false;
};

// The reply's body on 2xx; otherwise the agent's error message with the code mapped:
// 400 → InvalidArgument, 401/403 → Unavailable (not authorised), 404 → NotFound, 409 → Busy,
// 502/503 or no answer → Unavailable, anything else → Internal.
Result<std::string> CallApi(const ClusterFlags& flags, const ApiRequest& request,
                            std::string* content_type = nullptr);

// CallApi + parsing the body into `reply`: the agent is asked for the binary protobuf encoding
// (parsing JSON cost more than everything else in a long `backup list`); a JSON answer (an
// older agent) is read too.
Status CallApiFor(const ClusterFlags& flags, const ApiRequest& request,
                  google::protobuf::Message* reply);

}  // namespace lockstep::cli
