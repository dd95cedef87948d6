#include "node-agent/agent/coordinator_route.h"

#include "common/log.h"
#include "node-agent/agent/api_util.h"

namespace lockstep::agent {
namespace {

// Long enough for ZooKeeper to expire a dead coordinator's session (the session timeout) and
// the next agent to notice.
constexpr auto kSettle = std::chrono::seconds(15);
constexpr auto kPoll = std::chrono::milliseconds(250);

bool ElectionSettling(const http::Reply& reply) {
  return reply.status == 503 && reply.body.find("no coordinator") != std::string::npos;
}

// ForwardTo's answer when the coordinator's agent did not answer at all.
bool NotAnswering(const http::Reply& reply) { return reply.status == 502; }

}  // namespace

std::optional<http::Reply> RouteToCoordinator(const coordinator::Election& election,
                                              const http::Client& client, const std::string& token,
                                              const http::Request& request,
                                              std::chrono::milliseconds timeout, Clock& clock,
                                              bool repeatable) {
  const bool forwarded = request.query.count("forwarded") > 0;
  auto deadline = clock.Now() + kSettle;
  std::optional<http::Reply> unanswered;  // the last coordinator's silence, while waiting
  std::string silent;                     // …and its name
  for (;;) {
    if (election.IsCoordinator()) return std::nullopt;
    std::optional<coordinator::CoordinatorInfo> coordinator = election.Current();
    if (coordinator && !forwarded && coordinator->name == silent) {
      // The election still names the one that did not answer: wait for its session to expire.
      if (clock.Now() > deadline) return unanswered;
    } else if (coordinator && !forwarded) {
      http::Request marked = request;
      marked.query["forwarded"] = "1";
      http::Reply reply = ForwardTo(client, coordinator->url,
                                    "the coordinator " + coordinator->name, marked, token, timeout);
      if (repeatable && NotAnswering(reply)) {
        log::Warn("the coordinator is not answering; waiting for a new one",
                  {{"coordinator", coordinator->name}, {"path", request.path}});
        silent = coordinator->name;
        unanswered = std::move(reply);
        deadline = clock.Now() + kSettle;
      } else if (!ElectionSettling(reply) || clock.Now() > deadline) {
        return reply;
      }
    } else if (clock.Now() > deadline) {
      return http::ErrorReply(
          503, "unavailable",
          "no coordinator is elected right now (" +
              (election.problem().empty() ? std::string("election in progress")
                                          : election.problem()) +
              "); it needs ZooKeeper with a quorum: check `lockstep cluster status` and retry");
    }
    clock.SleepFor(kPoll);
  }
}

}  // namespace lockstep::agent
