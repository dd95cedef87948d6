#include "cli/api_client.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "api/paths.h"
#include "api/status_http.h"
#include "api/token.h"
#include "common/http/client.h"
#include "common/http/tls.h"
#include "common/strings.h"
#include "proto/agent.pb.h"
#include "proto/json.h"

namespace lockstep::cli {
namespace {

// An agent that accepted the connection but does not answer (a paused master: the kernel still
// completes the handshake) would hold every call for its whole timeout. So the agents given are
// first asked /healthz, all at once with a short deadline, and those that answer are tried first
// (in the order given), the others last; when the first one given answers, the order stays as
// given without waiting for the rest. Remembered for a while: a `--wait` polls many times.
constexpr auto kProbeTimeout = std::chrono::milliseconds(1500);
constexpr auto kProbeFor = std::chrono::seconds(15);
constexpr auto kRoundPause = std::chrono::seconds(1);
// How long a request that may be sent again waits on an agent that did not answer the probe: it
// is most likely paused, and the next round asks it again.
constexpr auto kSilentAgentTimeout = std::chrono::milliseconds(5000);

struct ProbedOrder {
  std::string urls;
  std::vector<std::string> order;
  std::set<std::string> silent;  // those that did not answer the probe
  std::chrono::steady_clock::time_point at;
};

bool Answers(const std::string& each, const ClusterFlags& flags) {
  Result<http::Url> url = http::ParseUrl(each);
  if (!url.ok()) return false;
  Result<std::shared_ptr<boost::asio::ssl::context>> tls = TlsFor(flags, *url);
  if (!tls.ok()) return false;
  http::Client client(*tls);
  Result<http::Reply> reply = client.Call(
      *url, {.method = "GET",
             .target = url->path + api::paths::kHealthz,
             .timeout = std::chrono::duration_cast<std::chrono::milliseconds>(kProbeTimeout)});
  return reply.ok() && reply->status / 100 == 2;
}

// The probes' answers, shared with their threads: a probe still waiting on a paused agent is
// left behind (detached) once the order is known.
struct Probes {
  std::mutex mu;
  std::condition_variable answered;
  std::vector<std::optional<bool>> answers;  // guarded by mu
};

ProbedOrder AnsweringFirst(const ClusterFlags& flags) {
  static std::mutex mu;
  static ProbedOrder probed;
  std::vector<std::string> urls = SplitNonEmpty(flags.url, ',');
  if (urls.size() < 2) return {.urls = flags.url, .order = urls};
  std::lock_guard guard(mu);
  const auto now = std::chrono::steady_clock::now();
  if (probed.urls == flags.url && now - probed.at < kProbeFor) return probed;
  auto probes = std::make_shared<Probes>();
  probes->answers.resize(urls.size());
  for (size_t i = 0; i < urls.size(); ++i) {
    std::thread([probes, i, url = urls[i], flags] {
      const bool answers = Answers(url, flags);
      std::lock_guard lock(probes->mu);
      probes->answers[i] = answers;
      probes->answered.notify_all();
    }).detach();
  }
  std::unique_lock lock(probes->mu);
  probes->answered.wait_for(lock, kProbeTimeout + std::chrono::milliseconds(200), [&] {
    if (probes->answers[0].value_or(false)) return true;  // the first given answers: keep order
    return std::all_of(probes->answers.begin(), probes->answers.end(),
                       [](const auto& answer) { return answer.has_value(); });
  });
  if (probes->answers[0].value_or(false)) {
    probed = {.urls = flags.url, .order = urls, .at = now};
    return probed;
  }
  std::vector<std::string> first;
  std::vector<std::string> last;
  for (size_t i = 0; i < urls.size(); ++i) {
    (probes->answers[i].value_or(false) ? first : last).push_back(urls[i]);
  }
  probed = {.urls = flags.url, .silent = {last.begin(), last.end()}, .at = now};
  first.insert(first.end(), last.begin(), last.end());
  probed.order = std::move(first);
  return probed;
}

// What to tell an operator no agent answered: where they are, or a client certificate the
// agents asked for and the CLI did not have.
std::string WhatToCheck(const ClusterFlags& flags, const std::string& errors) {
  const bool certificate_refused = errors.find("certificate required") != std::string::npos ||
                                   errors.find("alert handshake failure") != std::string::npos;
  if (certificate_refused && flags.client_cert_file.empty()) {
    return "; the agents require a client certificate: give --client-cert and --client-key (or "
           "set LOCKSTEP_CLIENT_CERT and LOCKSTEP_CLIENT_KEY)";
  }
  return "; check --cluster (a comma-separated list of agents is tried in order) and that the "
         "agents run";
}

// How a round over the agents ended when none gave a real answer.
struct Unanswered {
  bool none_answered = false;
  // Every agent that answered at all said no coordinator can be elected (no quorum): another
  // round would only hear it again.
  bool no_quorum = false;
};

// What the agents of one round said instead of answering: each different message once (three
// agents saying the same is one line), and whether any was out of reach.
class RoundFailures {
 public:
  void Unreachable(const std::string& message) {
    unreachable_ = true;
    Add(message);
  }
  void Refused(const http::Reply& reply, const std::string& where) {
    ++(api::ErrorCodeOf(reply) == api::kNoQuorumCode ? no_quorum_ : other_refusals_);
    Add(api::StatusFromReply(reply, where).message());
  }
  bool OnlyNoQuorum() const { return no_quorum_ > 0 && other_refusals_ == 0; }
  std::string Summary(const ClusterFlags& flags) const {
    const std::string said = Join(said_, "; ");
    return unreachable_ ? said + WhatToCheck(flags, said) : said;
  }

 private:
  void Add(const std::string& message) {
    if (std::find(said_.begin(), said_.end(), message) == said_.end()) said_.push_back(message);
  }
  std::vector<std::string> said_;
  bool unreachable_ = false;
  int no_quorum_ = 0, other_refusals_ = 0;
};

// One round over the agents given (answering ones first): the first real answer, or Unavailable
// with what each said (and `unanswered` set). A read, or a change carrying a request id, passes
// a 502/503 (its agent can't reach or confirm the coordinator) on to the next agent.
Result<std::string> CallAnyAgent(const ClusterFlags& flags, const std::string& token,
                                 const ApiRequest& request, std::string* content_type,
                                 Unanswered* unanswered) {
  *unanswered = {};
  RoundFailures failures;
  const ProbedOrder agents = AnsweringFirst(flags);
  for (const std::string& each : agents.order) {
    ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(each));
    ASSIGN_OR_RETURN(std::shared_ptr<boost::asio::ssl::context> tls, TlsFor(flags, url));
    http::Client client(tls);
    const bool may_resend = request.repeatable || request.method == "GET";
    const auto timeout = agents.silent.count(each) && may_resend
                             ? std::min(request.timeout, kSilentAgentTimeout)
                             : request.timeout;
    Result<http::Reply> reply = client.Call(url, {.method = request.method,
                                                  .target = url.path + request.path,
                                                  .body = request.body,
                                                  .token = token,
                                                  .accept = request.accept,
                                                  .timeout = timeout,
                                                  .upload_file = request.upload_file,
                                                  .download_file = request.download_file,
                                                  .progress = request.progress});
    if (!reply.ok()) {
      failures.Unreachable(reply.status().message());
      continue;
    }
    const bool passable = reply->status == 502 || reply->status == 503;
    if (passable && may_resend) {
      failures.Refused(*reply, url.ToString() + url.path + request.path);
      continue;
    }
    if (reply->status / 100 != 2) {
      return api::StatusFromReply(*reply, url.ToString() + url.path + request.path);
    }
    if (content_type) *content_type = reply->content_type;
    return std::move(reply->body);
  }
  *unanswered = {.none_answered = true, .no_quorum = failures.OnlyNoQuorum()};
  return Status(StatusCode::kUnavailable, failures.Summary(flags));
}

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> TlsFor(const ClusterFlags& flags,
                                                          const http::Url& url) {
  if (!url.tls) return std::shared_ptr<boost::asio::ssl::context>();
  if (flags.client_cert_file.empty() != flags.client_key_file.empty()) {
    return InvalidArgument("--client-cert and --client-key go together");
  }
  return http::MakeClientContext({.ca_file = flags.ca_file,
                                  .cert_file = flags.client_cert_file,
                                  .key_file = flags.client_key_file});
}

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
  // A request carrying an id may be sent again, to any agent, without acting twice: while every
  // agent says the coordinator is out of reach (502/503, e.g. while the quorum elects a new one
  // after a partition), the round is repeated until the request's own timeout.
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;
  for (;;) {
    Unanswered unanswered;
    Result<std::string> answered = CallAnyAgent(flags, *token, request, content_type, &unanswered);
    const bool retry = request.repeatable && unanswered.none_answered && !unanswered.no_quorum &&
                       std::chrono::steady_clock::now() + kRoundPause < deadline;
    if (!retry) return answered;
    std::this_thread::sleep_for(kRoundPause);
  }
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
