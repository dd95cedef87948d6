// The coordinator election on a fake ZooKeeper and fake clocks (one per agent, so each agent's
// retries and timeouts move only when a test says): the lowest sequence number coordinates,
// only the next in line is woken when it goes, and a coordinator that loses ZooKeeper stops
// coordinating. Also how a request for the coordinator waits for an election to settle.
#include "coordinator/election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/http/coordinator_route.h"
#include "api/status_http.h"
#include "common/http/client.h"
#include "coordinator/agent_client.h"
#include "tests/fake_clock.h"
#include "tests/fake_zk.h"

namespace lockstep::coordinator {
namespace {

using namespace std::chrono_literals;

// Polls `condition` (the election runs on its own thread) for up to 10 s of real time.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

std::string CoordinatorSeenBy(const Election& election) {
  std::optional<CoordinatorInfo> current = election.Current();
  return current ? current->name : "(none)";
}

class ElectionTest : public ::testing::Test {
 protected:
  struct Agent {
    testing::FakeClock clock;
    std::unique_ptr<Election> election;
  };
  // How long each master has not answered, as every agent's peer view tells it (the election
  // thread reads it, the test writes it).
  struct Silence {
    std::mutex mu;
    std::map<std::string, std::chrono::milliseconds> of;
    std::string servers = "zk1:2181,zk2:2181,zk3:2181";  // those of masters that answer
    std::function<std::string()> no_quorum = [] { return std::string(); };  // the masters' view
  };

  // `name` joins with ZooKeeper out of its reach: no coordinator, and a problem saying why.
  Election& JoinCutOff(const std::string& name) {
    zk_.SetUnreachable(name, true);
    Election& election = Join(name);
    EXPECT_TRUE(Eventually([&] { return !election.problem().empty(); }));
    return election;
  }
  Election& Join(const std::string& name) {
    Agent& agent = agents_[name];
    auto silent_for = [silence = silence_, self = name](const std::string& master) {
      std::lock_guard lock(silence->mu);
      auto heard = silence->of.find(self + "->" + master);
      return heard == silence->of.end() ? 0ms : heard->second;
    };
    auto servers = [silence = silence_] {
      std::lock_guard lock(silence->mu);
      return silence->servers;
    };
    agent.election =
        std::make_unique<Election>(ElectionOptions{.self_name = name,
                                                   .self_url = "https://" + name + ":7443",
                                                   .silent_for = silent_for,
                                                   .servers = servers,
                                                   .no_quorum =
                                                       [silence = silence_] {
                                                         std::lock_guard lock(silence->mu);
                                                         return silence->no_quorum();
                                                       }},
                                   zk_.Connector(name), agent.clock);
    agent.election->Begin();
    return *agent.election;
  }
  // Moves `name`'s clock once its election loop waits on it.
  void Advance(const std::string& name, std::chrono::milliseconds step) {
    ASSERT_TRUE(agents_[name].clock.AwaitWaiters(1)) << name << "'s loop never waited";
    agents_[name].clock.Advance(step);
  }
  bool Sees(const std::string& name, const std::string& coordinator) {
    return Eventually([&] { return CoordinatorSeenBy(*agents_[name].election) == coordinator; });
  }

  // `observer` has heard nothing from `master` for `silent`.
  void SetSilent(const std::string& observer, const std::string& master,
                 std::chrono::milliseconds silent) {
    std::lock_guard lock(silence_->mu);
    silence_->of[observer + "->" + master] = silent;
  }

  const ElectionOptions defaults_{};
  std::shared_ptr<Silence> silence_ = std::make_shared<Silence>();
  testing::FakeZk zk_;  // outlives the agents, whose sessions close into it
  std::map<std::string, Agent> agents_;
};

TEST_F(ElectionTest, TheLowestSequenceNumberCoordinates) {
  // Joined in this order, so m3 holds the lowest sequence number though its name sorts last.
  Election& m3 = Join("m3");
  ASSERT_TRUE(Eventually([&] { return m3.IsCoordinator(); }));
  Election& m1 = Join("m1");
  Election& m2 = Join("m2");
  ASSERT_TRUE(Sees("m1", "m3"));
  ASSERT_TRUE(Sees("m2", "m3"));
  EXPECT_TRUE(m3.IsCoordinator());
  EXPECT_FALSE(m1.IsCoordinator());
  EXPECT_FALSE(m2.IsCoordinator());
  EXPECT_EQ(zk_.Children("/lockstep/election"),
            (std::vector<std::string>{"n_0000000000", "n_0000000001", "n_0000000002"}));
}

TEST_F(ElectionTest, CurrentNamesTheCoordinatorAndItsUrlOnEveryAgent) {
  Election& m1 = Join("m1");
  ASSERT_TRUE(Eventually([&] { return m1.IsCoordinator(); }));
  Election& m2 = Join("m2");
  ASSERT_TRUE(Sees("m2", "m1"));
  for (Election* election : {&m1, &m2}) {
    std::optional<CoordinatorInfo> current = election->Current();
    ASSERT_TRUE(current.has_value());
    EXPECT_EQ(current->name, "m1");
    EXPECT_EQ(current->url, "https://m1:7443");
    EXPECT_EQ(election->problem(), "");
  }
}

TEST_F(ElectionTest, TheNextInLineTakesOverWhenThePredecessorsSessionExpires) {
  Election& m1 = Join("m1");
  ASSERT_TRUE(Eventually([&] { return m1.IsCoordinator(); }));
  Election& m2 = Join("m2");
  ASSERT_TRUE(Sees("m2", "m1"));
  Election& m3 = Join("m3");
  ASSERT_TRUE(Sees("m3", "m1"));
  const uint64_t first_generation = m1.Generation();
  EXPECT_NE(first_generation, 0u);
  EXPECT_EQ(m2.Generation(), 0u) << "a follower has no generation to act with";
  EXPECT_EQ(m3.Current()->generation, first_generation) << "followers see the leader's";

  zk_.Expire("m1");
  // m2's watch on m1's znode fires: no clock needs to move.
  ASSERT_TRUE(Eventually([&] { return m2.IsCoordinator(); }));
  EXPECT_EQ(CoordinatorSeenBy(m2), "m2");
  EXPECT_GT(m2.Generation(), first_generation) << "a successor's calls must fence m1's";
  EXPECT_FALSE(m3.IsCoordinator());
  EXPECT_EQ(CoordinatorSeenBy(m3), "m1") << "m3 watches m2 only; it learns at its recheck";
  Advance("m3", defaults_.recheck);
  EXPECT_TRUE(Sees("m3", "m2"));
  EXPECT_FALSE(m3.IsCoordinator());
  // m1 finds its session gone at its recheck and enrols again, behind the others.
  Advance("m1", defaults_.recheck);
  ASSERT_TRUE(Sees("m1", "m2"));
  EXPECT_FALSE(m1.IsCoordinator());
  EXPECT_EQ(m1.Generation(), 0u);
  EXPECT_EQ(zk_.Children("/lockstep/election").size(), 3u) << "m1's old znode went with it";
}

// A master frozen with both the coordinator and ZooKeeper's leader: the new ZooKeeper leader
// restarts every session's timeout, so the frozen coordinator's znode would outlive it by a whole
// timeout more. The next in line, which has heard nothing from it for a session timeout, removes
// it and takes over with a higher generation; the frozen one steps down when it wakes.
TEST_F(ElectionTest, TheNextInLineRemovesACoordinatorSilentForASessionTimeout) {
  Election& m1 = Join("m1");
  ASSERT_TRUE(Eventually([&] { return m1.IsCoordinator(); }));
  Election& m2 = Join("m2");
  ASSERT_TRUE(Sees("m2", "m1"));
  Join("m3");
  ASSERT_TRUE(Sees("m3", "m1"));
  const uint64_t first_generation = m1.Generation();

  // Silent, but not yet for a whole timeout; and m3, silent for longer, is not next in line.
  SetSilent("m2", "m1", defaults_.session_timeout - 1ms);
  SetSilent("m3", "m1", defaults_.session_timeout * 2);
  Advance("m2", defaults_.recheck);
  Advance("m3", defaults_.recheck);
  Advance("m2", defaults_.recheck);  // a second look each, so the first one has finished
  Advance("m3", defaults_.recheck);
  EXPECT_TRUE(m1.IsCoordinator());
  EXPECT_FALSE(m2.IsCoordinator());
  EXPECT_EQ(zk_.Children("/lockstep/election").size(), 3u) << "nobody removed m1's znode";

  SetSilent("m2", "m1", defaults_.session_timeout);
  Advance("m2", defaults_.recheck);
  ASSERT_TRUE(Eventually([&] { return m2.IsCoordinator(); }));
  EXPECT_GT(m2.Generation(), first_generation) << "its calls must fence m1's";
  EXPECT_EQ(zk_.Children("/lockstep/election").size(), 2u) << "m1's znode is gone";
  EXPECT_NE(m1.ConfirmLeading().code(), StatusCode::kOk) << "m1 can confirm nothing";

  // m1 wakes: its session lives, its znode does not. It steps down and enrols behind the others.
  Advance("m1", defaults_.recheck);
  ASSERT_TRUE(Eventually([&] { return !m1.IsCoordinator(); }));
  Advance("m1", 200ms);  // its retry after finding the znode gone
  ASSERT_TRUE(Sees("m1", "m2"));
  EXPECT_EQ(m1.Generation(), 0u);
  EXPECT_EQ(zk_.Children("/lockstep/election").size(), 3u) << "m1 enrolled again";
  EXPECT_TRUE(m2.IsCoordinator());
}

// A session that lost its server reconnects only to servers of masters that answer: a frozen
// server would take the connection and stall the attempt for a whole timeout. A connected
// session is left where it is (moving it would drop the connection for nothing).
TEST_F(ElectionTest, ADisconnectedSessionIsPointedAtTheServersOfMastersThatAnswer) {
  Election& m1 = Join("m1");
  ASSERT_TRUE(Eventually([&] { return m1.IsCoordinator(); }));
  {
    std::lock_guard lock(silence_->mu);
    silence_->servers = "zk1:2181,zk2:2181";
  }
  Advance("m1", defaults_.recheck);
  Advance("m1", defaults_.recheck);
  EXPECT_EQ(zk_.ServersOf("m1"), "") << "connected: left alone";

  zk_.Disconnect("m1");
  Advance("m1", defaults_.recheck);
  ASSERT_TRUE(Eventually([&] { return zk_.ServersOf("m1") == "zk1:2181,zk2:2181"; }));
  {
    std::lock_guard lock(silence_->mu);
    silence_->servers = "zk2:2181";
  }
  Advance("m1", 200ms);
  ASSERT_TRUE(Eventually([&] { return zk_.ServersOf("m1") == "zk2:2181"; }));
  zk_.Disconnect("m1", false);
  Advance("m1", 200ms);
  ASSERT_TRUE(Eventually([&] { return m1.IsCoordinator(); })) << "the same session, reconnected";
}

TEST_F(ElectionTest, ACoordinatorThatLosesZooKeeperStepsDownAndForgetsItOnceTheSessionIsGone) {
  Election& m1 = Join("m1");
  ASSERT_TRUE(Eventually([&] { return m1.IsCoordinator(); }));
  Election& m2 = Join("m2");
  ASSERT_TRUE(Sees("m2", "m1"));

  zk_.Disconnect("m1");
  Advance("m1", defaults_.recheck);
  // Leading needs a live connection: m1 steps down at once, though its session may recover.
  ASSERT_TRUE(Eventually([&] { return !m1.IsCoordinator(); }));
  EXPECT_EQ(CoordinatorSeenBy(m1), "m1") << "the view is kept while the session may live";
  // Past the session timeout the session counts as lost.
  Advance("m1", defaults_.session_timeout + 1ms);
  ASSERT_TRUE(Sees("m1", "(none)"));
  EXPECT_NE(m1.problem().find("no coordinator"), std::string::npos) << m1.problem();
  EXPECT_FALSE(m2.IsCoordinator()) << "m1's znode lives until ZooKeeper expires the session";

  zk_.Expire("m1");
  ASSERT_TRUE(Eventually([&] { return m2.IsCoordinator(); }));
  Advance("m1", 200ms);  // m1's retry after a failed look
  ASSERT_TRUE(Sees("m1", "m2"));
  EXPECT_FALSE(m1.IsCoordinator());
  EXPECT_EQ(m1.problem(), "");
}

TEST_F(ElectionTest, UnreachableZooKeeperMeansNoCoordinatorAndSaysWhy) {
  Election& m1 = JoinCutOff("m1");
  EXPECT_FALSE(m1.IsCoordinator());
  EXPECT_FALSE(m1.Current().has_value());
  EXPECT_NE(m1.problem().find("connection refused"), std::string::npos) << m1.problem();
  zk_.SetUnreachable("m1", false);
  Advance("m1", 200ms);
  ASSERT_TRUE(Eventually([&] { return m1.IsCoordinator(); }));
  EXPECT_EQ(m1.problem(), "");
}

// A coordinator whose own session still works but whose master is cut off from the quorum (new
// sessions can't be made from there) confirms nothing: its requests are refused, not acted on.
TEST_F(ElectionTest, ACoordinatorCutOffFromTheQuorumCannotConfirmItsRole) {
  Election& m1 = Join("m1");
  ASSERT_TRUE(Eventually([&] { return m1.IsCoordinator(); }));
  EXPECT_TRUE(m1.ConfirmLeading().ok());
  Election& m2 = Join("m2");
  ASSERT_TRUE(Sees("m2", "m1"));
  EXPECT_EQ(m2.ConfirmLeading().code(), StatusCode::kUnavailable) << "m2 does not lead";

  zk_.SetUnreachable("m1", true);  // m1's session lives on; no new one can be made
  EXPECT_TRUE(m1.IsCoordinator());
  Status refused = m1.ConfirmLeading();
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find(kNotCoordinator), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("quorum"), std::string::npos) << refused.message();
  testing::FakeClock clock;
  const http::Client client;
  const http::Request post{.method = "POST", .path = "/v1/backups"};
  std::optional<http::Reply> reply =
      agent::RouteToCoordinator(m1, client, "token", post, 1s, clock);
  ASSERT_TRUE(reply.has_value()) << "acted on while cut off";
  EXPECT_EQ(reply->status, 503);
  const http::Request get{.method = "GET", .path = "/v1/backups"};
  EXPECT_FALSE(agent::RouteToCoordinator(m1, client, "token", get, 1s, clock).has_value())
      << "reads are still served";
  zk_.SetUnreachable("m1", false);
  EXPECT_TRUE(m1.ConfirmLeading().ok());
}

TEST_F(ElectionTest, TheCoordinatorHandlesItsOwnRequestsAtOnce) {
  Election& m1 = Join("m1");
  ASSERT_TRUE(Eventually([&] { return m1.IsCoordinator(); }));
  testing::FakeClock clock;
  const Clock::TimePoint start = clock.Now();
  const http::Client client;
  const http::Request request{.method = "POST", .path = "/v1/backups"};
  EXPECT_FALSE(agent::RouteToCoordinator(m1, client, "token", request, 1s, clock).has_value());
  EXPECT_EQ(clock.Now(), start);
}

TEST_F(ElectionTest, WithNoCoordinatorARequestWaitsForTheElectionToSettleThenGets503) {
  Election& m1 = JoinCutOff("m1");
  testing::FakeClock clock;
  const Clock::TimePoint start = clock.Now();
  const http::Client client;
  const http::Request request{.method = "POST", .path = "/v1/backups"};
  std::optional<http::Reply> reply =
      agent::RouteToCoordinator(m1, client, "token", request, 1s, clock);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 503);
  EXPECT_NE(reply->body.find("no coordinator is elected right now"), std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("connection refused"), std::string::npos) << reply->body;
  EXPECT_GT(clock.Now() - start, 15s) << "the settle time: a session timeout and then some";
  EXPECT_LE(clock.Now() - start, 15250ms) << "one poll past it, no more";
}

TEST_F(ElectionTest, WithNoQuorumForAWhileARequestIsRefusedAtOnceSayingSoAndWhatToDo) {
  Election& m1 = JoinCutOff("m1");
  testing::FakeClock clock;
  const Clock::TimePoint start = clock.Now();
  {
    // The quorum is back for a moment at 4 s (a server that served briefly): the patience starts
    // again from when it is lost once more.
    std::lock_guard lock(silence_->mu);
    silence_->no_quorum = [&clock, start]() -> std::string {
      const auto at = clock.Now() - start;
      if (at >= 4s && at < 5s) return "";
      return "ZooKeeper has no quorum: 0 of 3 voters serve (not serving: m1, m2, m3)";
    };
  }
  const http::Client client;
  const http::Request request{.method = "POST", .path = "/v1/backups"};
  std::optional<http::Reply> reply =
      agent::RouteToCoordinator(m1, client, "token", request, 1s, clock);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(api::ErrorCodeOf(*reply), api::kNoQuorumCode) << reply->body;
  EXPECT_NE(reply->body.find("no coordinator can be elected: ZooKeeper has no quorum: 0 of 3"),
            std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("lockstep node start-zk"), std::string::npos) << reply->body;
  EXPECT_GE(clock.Now() - start, 11s) << "six seconds without a quorum after it was last seen";
  EXPECT_LT(clock.Now() - start, 15s) << "before the election's whole settle time";
}

// A fake clock whose sleeps block until the test opens the gate: requests that wait for the
// election stay waiting as long as the test needs.
class GatedClock : public testing::FakeClock {
 public:
  void SleepFor(Duration duration) override {
    {
      std::unique_lock lock(gate_mu_);
      ++sleepers_;
      gate_cv_.notify_all();
      gate_cv_.wait(lock, [this] { return open_; });
    }
    Advance(duration);
  }
  void Open() {
    std::lock_guard lock(gate_mu_);
    open_ = true;
    gate_cv_.notify_all();
  }
  // Waits (real time, bounded) until `count` sleeps have begun.
  bool WaitForSleepers(int count) {
    std::unique_lock lock(gate_mu_);
    return gate_cv_.wait_for(lock, 10s, [&] { return sleepers_ >= count; });
  }

 private:
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  bool open_ = false;
  int sleepers_ = 0;
};

TEST_F(ElectionTest, WhileTheElectionSettlesOnlyAFewRequestsWaitTheRestAreAnsweredAtOnce) {
  Election& m1 = JoinCutOff("m1");
  GatedClock clock;
  const http::Client client;
  const http::Request request{.method = "POST", .path = "/v1/backups"};
  std::vector<std::thread> waiting;
  std::atomic<int> answered_503{0};
  for (int i = 0; i < 4; ++i) {
    waiting.emplace_back([&] {
      auto reply = agent::RouteToCoordinator(m1, client, "token", request, 1s, clock);
      if (reply && reply->status == 503) ++answered_503;
    });
  }
  ASSERT_TRUE(clock.WaitForSleepers(4)) << "the first requests did not wait for the election";
  const Clock::TimePoint before = clock.Now();
  std::optional<http::Reply> more =
      agent::RouteToCoordinator(m1, client, "token", request, 1s, clock);
  ASSERT_TRUE(more.has_value());
  EXPECT_EQ(more->status, 503);
  EXPECT_NE(more->body.find("already wait"), std::string::npos) << more->body;
  EXPECT_EQ(clock.Now(), before) << "answered without waiting";
  clock.Open();
  for (auto& thread : waiting) thread.join();
  EXPECT_EQ(answered_503.load(), 4) << "the waiting ones still end with the election's answer";
}

TEST_F(ElectionTest, ARequestAnotherAgentForwardedHereIsNotForwardedOrHeldAgain) {
  Election& m1 = JoinCutOff("m1");
  testing::FakeClock clock;
  const Clock::TimePoint start = clock.Now();
  const http::Client client;
  http::Request forwarded{.method = "POST", .path = "/v1/backups"};
  forwarded.forwarded_by = "m2";
  std::optional<http::Reply> reply =
      agent::RouteToCoordinator(m1, client, "token", forwarded, 1s, clock);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 503);
  EXPECT_NE(reply->body.find(kNotCoordinator), std::string::npos) << reply->body;
  EXPECT_EQ(clock.Now(), start) << "the forwarding agent waits for the election, not this one";
}

}  // namespace
}  // namespace lockstep::coordinator
