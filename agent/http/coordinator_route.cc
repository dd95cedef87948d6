#include "agent/http/coordinator_route.h"

#include <atomic>
#include <future>
#include <memory>
#include <thread>

#include "agent/http/api_util.h"
#include "common/log.h"
#include "coordinator/agent_client.h"

namespace lockstep::agent {
namespace {

// Long enough for ZooKeeper to expire a dead coordinator's session (the session timeout) and
// the next agent to notice.
constexpr auto kSettle = std::chrono::seconds(15);
constexpr auto kPoll = std::chrono::milliseconds(250);
// How long ZooKeeper must have been without a quorum before the wait ends early: longer than a
// leader election takes while a majority serves (a second or two), so only a real loss of quorum
// (servers stopped, a minority side of a partition) is answered at once rather than after
// kSettle, on every agent the caller tries in turn.
constexpr auto kQuorumPatience = std::chrono::seconds(6);

// How many requests may wait for an election at once on this agent: each holds a worker thread
// while it waits, so the rest are answered at once (503, retry) rather than queue behind them.
constexpr int kMaxWaiting = 4;
std::atomic<int> waiting{0};

// One of the kMaxWaiting places, held from the first wait to the end of the request.
class WaitingPlace {
 public:
  WaitingPlace() = default;
  WaitingPlace(const WaitingPlace&) = delete;
  WaitingPlace& operator=(const WaitingPlace&) = delete;
  ~WaitingPlace() {
    if (held_) --waiting;
  }
  // True when this request holds a place (already, or now).
  bool Take() {
    if (held_) return true;
    if (++waiting > kMaxWaiting) {
      --waiting;
      return false;
    }
    held_ = true;
    return true;
  }

 private:
  bool held_ = false;
};

// No coordinator yet, or the one asked has just lost the role: ask again once the election names
// the next.
bool ElectionSettling(const http::Reply& reply) {
  return reply.status == 503 &&
         (reply.body.find("no coordinator") != std::string::npos ||
          reply.body.find(coordinator::kNotCoordinator) != std::string::npos);
}

// Tracks how long the ensemble has had no quorum while a request waits for a coordinator.
class QuorumWatch {
 public:
  QuorumWatch(const coordinator::Election& election, Clock& clock)
      : election_(election), clock_(clock) {}
  // Why no coordinator can come, once the quorum has been missing for kQuorumPatience; else "".
  std::string Hopeless() {
    std::string why = election_.NoQuorum();
    if (why.empty()) {
      lost_ = false;
      return "";
    }
    if (!lost_) lost_since_ = clock_.Now();
    lost_ = true;
    return clock_.Now() - lost_since_ >= kQuorumPatience ? why : "";
  }

 private:
  const coordinator::Election& election_;
  Clock& clock_;
  bool lost_ = false;
  Clock::TimePoint lost_since_{};  // while lost_
};

// ForwardTo's answer when the coordinator's agent did not answer at all.
bool NotAnswering(const http::Reply& reply) { return reply.status == 502; }

// Forwards `request` to `coordinator`. A repeatable request stops waiting for the answer as soon
// as the election no longer names that coordinator: a paused or cut-off master accepts the
// connection and may never answer within the request's long timeout, and a retry elsewhere is
// safe. The abandoned call ends on its own deadline, on a thread holding its own copies.
http::Reply Forward(const coordinator::Election& election, const http::Client& client,
                    const coordinator::CoordinatorInfo& coordinator, const http::Request& request,
                    const ForwardingAgent& self, std::chrono::milliseconds timeout,
                    bool repeatable) {
  const std::string who = "the coordinator " + coordinator.name;
  if (!repeatable) return ForwardTo(client, coordinator.url, who, request, self, timeout);
  auto answer = std::make_shared<std::promise<http::Reply>>();
  std::future<http::Reply> answered = answer->get_future();
  std::thread([client, url = coordinator.url, who, request, self, timeout, answer] {
    answer->set_value(ForwardTo(client, url, who, request, self, timeout));
  }).detach();
  while (answered.wait_for(kPoll) != std::future_status::ready) {
    std::optional<coordinator::CoordinatorInfo> now = election.Current();
    if (!now) {
      // This agent lost sight of the election (ZooKeeper is electing a leader, say), which says
      // nothing of the coordinator itself: ask again, of whoever the election names next, maybe
      // the same one.
      return http::ErrorReply(503, "unavailable",
                              "no coordinator is known right now; " + who + " was asked");
    }
    if (now->name != coordinator.name) {
      return http::ErrorReply(502, "unavailable",
                              who + " did not answer before the election replaced it");
    }
  }
  return answered.get();
}

}  // namespace

std::optional<http::Reply> RouteToCoordinator(const coordinator::Election& election,
                                              const http::Client& client, const std::string& token,
                                              const http::Request& request,
                                              std::chrono::milliseconds timeout, Clock& clock,
                                              bool repeatable) {
  // Another agent routed this request here because it took this one for the coordinator. If
  // that is no longer so, say it at once: the forwarding agent waits for the election (holding
  // its caller's request), not this one.
  if (!request.forwarded_by.empty() && !election.IsCoordinator()) {
    return http::ErrorReply(503, "unavailable",
                            std::string(coordinator::kNotCoordinator) + " (" +
                                election.self_name() + " was asked by " + request.forwarded_by +
                                "); ask again");
  }
  const ForwardingAgent self{election.self_name(), token};
  WaitingPlace place;
  auto deadline = clock.Now() + kSettle;
  std::optional<http::Reply> unanswered;  // the last coordinator's silence, while waiting
  std::string silent;                     // …and its name
  QuorumWatch quorum(election, clock);
  for (;;) {
    if (election.IsCoordinator()) {
      // Reads are served as they are; a change first confirms the role with the quorum.
      if (request.method == "GET") return std::nullopt;
      Status confirmed = election.ConfirmLeading();
      if (confirmed.ok()) return std::nullopt;
      log::Warn("refusing to act: the coordinator role is not confirmed",
                {{"path", request.path}, {"error", confirmed.message()}});
      return api::StatusReply(confirmed);
    }
    std::optional<coordinator::CoordinatorInfo> coordinator = election.Current();
    if (coordinator && coordinator->name == silent) {
      // The election still names the one that did not answer: wait for its session to expire.
      if (clock.Now() > deadline) return unanswered;
    } else if (coordinator) {
      http::Reply reply =
          Forward(election, client, *coordinator, request, self, timeout, repeatable);
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
    if (std::string why = quorum.Hopeless(); !why.empty()) {
      return http::ErrorReply(503, api::kNoQuorumCode,
                              "no coordinator can be elected: " + why +
                                  "; start the stopped servers (`lockstep node start-zk NAME`) "
                                  "or see `lockstep cluster status`, then retry");
    }
    if (!place.Take()) {
      return http::ErrorReply(503, "unavailable",
                              "the election is settling and " + std::to_string(kMaxWaiting) +
                                  " requests already wait for it on " + election.self_name() +
                                  "; retry in a few seconds (`lockstep cluster status` shows "
                                  "the coordinator)");
    }
    clock.SleepFor(kPoll);
  }
}

}  // namespace lockstep::agent
