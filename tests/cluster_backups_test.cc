// Cluster backups as the coordinator runs them (coordinator/cluster_backups.h), against scripted
// agents and a fake clock: what the record goes through and ends as, which masters keep a replica,
// and that the operation lock is released whatever happens.
#include "coordinator/cluster_backups.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/replica_catch_up.h"
#include "tests/fake_agents.h"
#include "tests/fake_clock.h"

namespace lockstep::coordinator {
namespace {

using namespace std::chrono_literals;

constexpr char kSha256[] = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
constexpr auto kLease = 3000ms;

proto::MasterStatus Master(const std::string& name, const std::string& mode,
                           const std::string& zxid) {
  proto::MasterStatus m;
  m.set_name(name);
  m.set_address("http://" + name);
  m.set_agent_reachable(true);
  m.mutable_zk()->set_code(3);
  m.mutable_zk()->set_mode(mode);
  m.mutable_zk()->set_zxid(zxid);
  m.mutable_zk()->set_is_leader(mode == "leader");
  return m;
}

std::vector<std::string> ReplicaMasters(const proto::Backup& record) {
  std::vector<std::string> masters;
  for (const auto& replica : record.replicas()) masters.push_back(replica.master());
  return masters;
}

// The source's replica first, then the others by name: the copies are fetched at once, so they
// are recorded in whichever order they arrive.
std::vector<std::string> SourceThenCopies(const proto::Backup& record) {
  std::vector<std::string> masters = ReplicaMasters(record);
  if (!masters.empty()) std::sort(masters.begin() + 1, masters.end());
  return masters;
}

class BackupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agents_.clock = &clock_;
    // m2 is the follower closest to the leader: the source. m4's agent is down.
    view_.voters = 3;
    view_.masters = {Master("m1", "leader", "0x500"), Master("m2", "follower", "0x500"),
                     Master("m3", "follower", "0x4ff"), Master("m4", "", "")};
    view_.masters[3].set_agent_reachable(false);
    view_.masters[3].mutable_zk()->set_code(1);
    agents_.unreachable = {"m4"};
    proto::TakeReply taken;
    taken.set_master("m2");
    taken.set_size_bytes(4096);
    taken.set_sha256(kSha256);
    taken.set_last_zxid("0x500");
    taken.set_node_count(42);
    agents_.takes.insert_or_assign("m2", Result<proto::TakeReply>(taken));
    agents_.fetches = {{"m1", Status::Ok()}, {"m3", Status::Ok()}};
  }

  std::unique_ptr<ClusterBackups> Make(uint32_t replicas = 0) {
    return std::make_unique<ClusterBackups>(
        agents_, [this](bool) { return view_; },
        BackupSettings{.self = "m1", .replicas = replicas, .lease = kLease},
        [this] { return generation_.load(); }, clock_);
  }

  // Starts an online backup, waits for its background run to end (polling Running, at most 10 s
  // of real time) and returns the record as last published to m1.
  proto::Backup Run(ClusterBackups& backups) {
    proto::CreateBackupRequest request;
    request.set_label("nightly");
    Result<proto::Backup> started = backups.Start(request);
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    if (!started.ok()) return proto::Backup();
    EXPECT_EQ(started->status(), proto::STATUS_BACKING_UP);
    EXPECT_EQ(started->component_status().at("zookeeper").source(), "m2");
    id_ = started->id();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (backups.Running(id_)) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "backup " << id_ << " still running after 10 s";
        return proto::Backup();
      }
      std::this_thread::sleep_for(1ms);
    }
    std::lock_guard guard(agents_.mu);
    EXPECT_FALSE(agents_.records["m1"].empty());
    return agents_.records["m1"].empty() ? proto::Backup() : agents_.records["m1"].back();
  }

  bool Called(const std::string& call) {
    std::lock_guard guard(agents_.mu);
    return std::count(agents_.calls.begin(), agents_.calls.end(), call) > 0;
  }
  std::string LockHolder(const std::string& master) {
    std::lock_guard guard(agents_.mu);
    return agents_.LockOf(master).Current().id();
  }
  void ExpectLockedAndReleasedEverywhereReachable() {
    for (const char* master : {"m1", "m2", "m3"}) {
      EXPECT_TRUE(Called(std::string("lock ") + master)) << master;
      EXPECT_TRUE(Called(std::string("unlock ") + master)) << master;
      EXPECT_EQ(LockHolder(master), "") << master << " still locked";
    }
  }

  testing::FakeClock clock_;
  testing::FakeAgents agents_;
  std::atomic<uint64_t> generation_{7};  // this coordinator's leadership; 0 once lost
  ClusterView view_;
  std::string id_;
};

TEST_F(BackupsTest, AnOnlineBackupEndsReadyWithAReplicaOnEveryReachableMaster) {
  auto backups = Make();
  const proto::Backup record = Run(*backups);
  EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
  EXPECT_EQ(record.id(), id_);
  EXPECT_EQ(record.sha256(), kSha256);
  EXPECT_EQ(record.size_bytes(), 4096u);
  EXPECT_EQ(record.timestamp(), "2026-01-01T00:00:00Z") << "stamped by the injected clock";
  const auto& zookeeper = record.component_status().at("zookeeper");
  EXPECT_EQ(zookeeper.status(), proto::STATUS_READY);
  EXPECT_EQ(zookeeper.last_zxid(), "0x500");
  EXPECT_EQ(zookeeper.node_count(), 42u);
  EXPECT_EQ(SourceThenCopies(record), (std::vector<std::string>{"m2", "m1", "m3"}))
      << "the source first, then every other reachable master";
  for (const auto& replica : record.replicas()) EXPECT_EQ(replica.sha256(), kSha256);

  {
    std::lock_guard guard(agents_.mu);
    ASSERT_EQ(agents_.take_requests.size(), 1u);
    EXPECT_EQ(agents_.take_requests[0].id(), id_);
    EXPECT_EQ(agents_.take_requests[0].mode(), "online");
    const std::vector<proto::Backup>& published = agents_.records["m1"];
    ASSERT_GE(published.size(), 2u);
    EXPECT_EQ(published.front().progress(), "archiving on m2");
    for (size_t i = 0; i + 1 < published.size(); ++i) {
      EXPECT_EQ(published[i].status(), proto::STATUS_BACKING_UP) << "publication " << i;
    }
    EXPECT_EQ(agents_.fetch_requests.size(), 2u) << "m1 and m3 fetch; m4 is unreachable";
    for (const char* master : {"m1", "m3"}) {
      const proto::FetchRequest& fetch = agents_.fetch_requests[master];
      EXPECT_EQ(fetch.from_url(), "http://m2") << master;
      EXPECT_EQ(fetch.sha256(), kSha256) << master;
      EXPECT_EQ(fetch.size_bytes(), 4096u) << master;
    }
  }
  ExpectLockedAndReleasedEverywhereReachable();
}

TEST_F(BackupsTest, ASourceFailingMidTakeEndsInErrorNamingTheSource) {
  agents_.takes.insert_or_assign("m2", Result<proto::TakeReply>(IoError("disk full")));
  auto backups = Make();
  const proto::Backup record = Run(*backups);
  EXPECT_EQ(record.status(), proto::STATUS_ERROR);
  EXPECT_NE(record.reason().find("archiving on m2"), std::string::npos) << record.reason();
  EXPECT_NE(record.reason().find("disk full"), std::string::npos) << record.reason();
  EXPECT_EQ(record.component_status().at("zookeeper").status(), proto::STATUS_ERROR);
  EXPECT_EQ(record.replicas_size(), 0);
  EXPECT_FALSE(Called("fetch m1")) << "nothing to replicate";
  ExpectLockedAndReleasedEverywhereReachable();
}

TEST_F(BackupsTest, AReplicaFailingItsSha256IsLeftOutAndTheBackupIsStillReady) {
  agents_.fetches["m3"] =
      Corruption(std::string("sha256 mismatch: expected ") + kSha256 + ", got 00ff");
  auto backups = Make();
  const proto::Backup record = Run(*backups);
  EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
  EXPECT_EQ(ReplicaMasters(record), (std::vector<std::string>{"m2", "m1"}));
  EXPECT_TRUE(Called("fetch m3")) << "m3 was asked, and failed";
  ExpectLockedAndReleasedEverywhereReachable();
}

TEST_F(BackupsTest, ALeaseLostWhileTheBackupRunsEndsItInError) {
  // While m2 archives, another operation takes m2's lock; the next renewal finds it there.
  agents_.on_take = [&](const Member&, const proto::TakeRequest& take) {
    ASSERT_TRUE(clock_.AwaitWaits(1)) << "the lock's renewer never waited";
    const uint64_t waits = clock_.waits_begun();
    {
      std::lock_guard guard(agents_.mu);
      agents_.LockOf("m2").Release(take.id());
      proto::LockRequest intruder;
      intruder.set_operation("restore");
      intruder.set_id("intruder");
      intruder.set_lease_ms(60000);
      ASSERT_TRUE(agents_.LockOf("m2").Acquire(intruder).ok());
    }
    clock_.Advance(kLease / 3);
    ASSERT_TRUE(clock_.AwaitWaits(waits + 1)) << "no renewal";
  };
  auto backups = Make();
  const proto::Backup record = Run(*backups);
  EXPECT_EQ(record.status(), proto::STATUS_ERROR);
  EXPECT_NE(record.reason().find("lapsed"), std::string::npos) << record.reason();
  EXPECT_EQ(LockHolder("m2"), "intruder") << "releasing ours left the other operation's lock";
  EXPECT_EQ(LockHolder("m1"), "");
  EXPECT_EQ(LockHolder("m3"), "");
}

TEST_F(BackupsTest, TheReplicasSettingLimitsTheCopies) {
  auto backups = Make(/*replicas=*/2);
  const proto::Backup record = Run(*backups);
  EXPECT_EQ(record.status(), proto::STATUS_READY) << record.reason();
  EXPECT_EQ(ReplicaMasters(record), (std::vector<std::string>{"m2", "m1"}));
  EXPECT_FALSE(Called("fetch m3")) << "two copies are enough";
  ExpectLockedAndReleasedEverywhereReachable();
}

TEST_F(BackupsTest, AnAgentThatLostTheElectionStartsNothing) {
  auto backups = Make();
  generation_ = 0;  // a paused coordinator woke up: its election says it no longer leads
  proto::CreateBackupRequest request;
  request.set_label("nightly");
  Result<proto::Backup> refused = backups->Start(request);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("no longer the coordinator"), std::string::npos)
      << refused.status().ToString();
  std::lock_guard guard(agents_.mu);
  EXPECT_TRUE(agents_.calls.empty()) << "a former coordinator called " << agents_.calls.front();
  EXPECT_TRUE(agents_.records.empty());
}

TEST_F(BackupsTest, ABackupWhoseCoordinatorWasSupersededMidTakeChangesNothingMore) {
  auto backups = Make();
  agents_.on_take = [&](const Member&, const proto::TakeRequest&) {
    // While the source archives, this coordinator is paused and another is elected; every
    // agent learns of it. Even were this one to lead again later, the backup keeps the
    // generation it started in.
    std::lock_guard guard(agents_.mu);
    agents_.fence = 9;
    generation_ = 11;
  };
  proto::CreateBackupRequest request;
  request.set_label("nightly");
  Result<proto::Backup> started = backups->Start(request);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (backups->Running(started->id()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_FALSE(backups->Running(started->id()));
  std::lock_guard guard(agents_.mu);
  EXPECT_EQ(agents_.generations, std::set<uint64_t>{7}) << "a call left without its generation";
  EXPECT_TRUE(agents_.fetch_requests.empty()) << "replication ran for a fenced coordinator";
  for (const auto& [master, records] : agents_.records) {
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.back().status(), proto::STATUS_BACKING_UP)
        << master << " got an outcome from a fenced coordinator; the new one settles it";
  }
}

TEST_F(BackupsTest, ARetryOfARequestGetsTheBackupItStartedAndStartsNothing) {
  auto backups = Make();
  proto::Backup earlier;
  earlier.set_id("nightly-5d1e2c7a-1f0b-4e8e-9a55-1c4f9e0a7b21");
  earlier.set_request_id("cli-request-42");
  earlier.set_status(proto::STATUS_READY);
  std::vector<std::string> asked;
  backups->set_request_lookup([&](const std::string& request_id) -> std::optional<proto::Backup> {
    asked.push_back(request_id);
    if (request_id == earlier.request_id()) return earlier;
    return std::nullopt;
  });
  proto::CreateBackupRequest retry;
  retry.set_label("nightly");
  retry.set_request_id("cli-request-42");
  Result<proto::Backup> answered = backups->Start(retry);
  ASSERT_TRUE(answered.ok()) << answered.status().ToString();
  EXPECT_EQ(answered->id(), earlier.id());
  EXPECT_EQ(asked, std::vector<std::string>{"cli-request-42"});
  EXPECT_FALSE(Called("lock m1")) << "a retry took the operation lock";
  EXPECT_FALSE(Called("take m2")) << "a retry archived again";

  // A new request id starts a backup that carries it.
  const proto::Backup fresh = [&] {
    proto::CreateBackupRequest request;
    request.set_label("nightly");
    request.set_request_id("cli-request-43");
    Result<proto::Backup> started = backups->Start(request);
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    return started.ok() ? *started : proto::Backup();
  }();
  EXPECT_NE(fresh.id(), earlier.id());
  EXPECT_EQ(fresh.request_id(), "cli-request-43");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (backups->Running(fresh.id()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(backups->Running(fresh.id()));

  proto::CreateBackupRequest bad;
  bad.set_label("nightly");
  bad.set_request_id("no spaces/or slashes");
  EXPECT_EQ(backups->Start(bad).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lockstep::coordinator

namespace lockstep::coordinator {
namespace {

// A master that does not answer (paused) holds no backup back: READY once a majority of the
// masters hold it, and the late copy joins the record when it arrives.
TEST_F(BackupsTest, APausedMasterDoesNotHoldTheBackupBackAndItsCopyIsAddedLater) {
  std::mutex mu;
  std::condition_variable resumed;
  bool m3_paused = true;
  agents_.on_fetch = [&](const Member& m) {
    if (m.name != "m3") return;
    std::unique_lock lock(mu);
    resumed.wait(lock, [&] { return !m3_paused; });
  };
  auto resume = [&] {
    {
      std::lock_guard lock(mu);
      m3_paused = false;
    }
    resumed.notify_all();
  };
  view_.masters.pop_back();  // three masters, m4 left out: a majority is two
  auto backups = Make();
  // Declared after `backups`: a failed assertion resumes m3 before the backups wait for their
  // threads.
  struct Resume {
    std::function<void()> run;
    ~Resume() { run(); }
  } resume_on_exit{resume};
  proto::CreateBackupRequest request;
  request.set_label("nightly");
  Result<proto::Backup> started = backups->Start(request);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  auto last_on = [&](const std::string& master) {
    std::lock_guard guard(agents_.mu);
    return agents_.records[master].empty() ? proto::Backup() : agents_.records[master].back();
  };
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (last_on("m1").status() != proto::STATUS_READY &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  const proto::Backup ready = last_on("m1");
  ASSERT_EQ(ready.status(), proto::STATUS_READY) << "m3's silence held the backup back";
  ASSERT_EQ(ready.replicas_size(), 2);  // m2 (the source) and m1: a majority of three
  EXPECT_EQ(LockHolder("m1"), "") << "the lock waited for m3";
  EXPECT_TRUE(backups->Running(started->id())) << "m3's fetch was given up";
  resume();
  while (backups->Running(started->id()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  const proto::Backup caught_up = last_on("m1");
  EXPECT_EQ(caught_up.status(), proto::STATUS_READY);
  ASSERT_EQ(caught_up.replicas_size(), 3) << "m3's late copy was not recorded";
  EXPECT_EQ(caught_up.replicas(2).master(), "m3");
}

// Remote retention: a backup whose copy is READY in the repository gives up its masters'
// replicas under the lock and stays a backup (not a tombstone); without that copy it is refused.
TEST_F(BackupsTest, ReleasingReplicasKeepsTheRecordWhenTheRepositoryHoldsTheCopy) {
  std::unique_ptr<ClusterBackups> backups = Make();
  proto::Backup ready = Run(*backups);
  ASSERT_EQ(ready.status(), proto::STATUS_READY);
  ASSERT_GT(ready.replicas_size(), 0);

  Result<proto::Backup> refused = backups->ReleaseReplicas(ready);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(Called("remove m2")) << "nothing removed without a remote copy";

  ready.mutable_remote()->set_status(proto::STATUS_READY);
  Result<proto::Backup> released = backups->ReleaseReplicas(ready);
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_FALSE(released->deleted());
  EXPECT_EQ(released->status(), proto::STATUS_READY);
  EXPECT_EQ(released->replicas_size(), 0);
  EXPECT_EQ(released->remote().status(), proto::STATUS_READY);
  for (const char* master : {"m1", "m2", "m3"}) {
    EXPECT_TRUE(Called(std::string("remove ") + master)) << master;
    EXPECT_EQ(LockHolder(master), "") << master << " still locked";
  }
  std::lock_guard guard(agents_.mu);
  const proto::Backup& published = agents_.records["m3"].back();
  EXPECT_EQ(published.replicas_size(), 0);
  EXPECT_GT(published.revision(), ready.revision());
}

}  // namespace
}  // namespace lockstep::coordinator

namespace lockstep::coordinator {
namespace {

// Polls `condition` (every 1 ms, 10 s of real time at most): for work a background thread does.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

proto::MasterStatus Reachable(const std::string& name, bool reachable = true) {
  proto::MasterStatus m;
  m.set_name(name);
  m.set_address("http://" + name);
  m.set_agent_reachable(reachable);
  return m;
}

proto::Backup HeldBy(std::vector<std::string> masters) {
  proto::Backup record;
  record.set_id("nightly-0b7c5d0e-8f5e-4a57-9f39-1d1a6c1f2e3a");
  record.set_status(proto::STATUS_READY);
  for (const auto& master : masters) record.add_replicas()->set_master(master);
  return record;
}

TEST(NextCatchUp, PicksAnAnsweringLaggardAndAnAnsweringHolder) {
  ClusterView view;
  view.masters = {Reachable("m3"), Reachable("m1"), Reachable("m2", false)};
  std::optional<CatchUpFetch> next = NextCatchUp(HeldBy({"m2", "m1"}), view, 0);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->from.name(), "m1");  // m2 holds one too, but does not answer
  EXPECT_EQ(next->to.name(), "m3");

  EXPECT_FALSE(NextCatchUp(HeldBy({"m1", "m2", "m3"}), view, 0)) << "complete";
  EXPECT_FALSE(NextCatchUp(HeldBy({"m1", "m3"}), view, 0)) << "the laggard m2 does not answer";
  EXPECT_FALSE(NextCatchUp(HeldBy({"m1", "m2"}), view, 2)) << "backup_replicas = 2 is met";
  EXPECT_FALSE(NextCatchUp(HeldBy({}), view, 0)) << "kept in the repository only";
  EXPECT_FALSE(NextCatchUp(HeldBy({"m2"}), view, 0)) << "no holder answers";
  proto::Backup deleted = HeldBy({"m1"});
  deleted.set_deleted(true);
  EXPECT_FALSE(NextCatchUp(deleted, view, 0));
  proto::Backup failed = HeldBy({"m1"});
  failed.set_status(proto::STATUS_ERROR);
  EXPECT_FALSE(NextCatchUp(failed, view, 0));
}

// m4's agent did not answer while the backup was taken; once it does, the coordinator's duty
// has it fetch the archive and records its copy.
TEST_F(BackupsTest, AMasterThatWasUnreachableCatchesUpItsCopyOnceItAnswers) {
  std::unique_ptr<ClusterBackups> backups = Make();
  const proto::Backup ready = Run(*backups);
  ASSERT_EQ(SourceThenCopies(ready), (std::vector<std::string>{"m2", "m1", "m3"}));
  backups->CatchUp({ready});
  EXPECT_FALSE(Called("fetch m4")) << "m4 still does not answer";

  view_.masters[3].set_agent_reachable(true);
  {
    std::lock_guard guard(agents_.mu);
    agents_.unreachable.clear();
    agents_.fetches["m4"] = Status::Ok();
  }
  backups->CatchUp({ready});
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard guard(agents_.mu);
    return !agents_.records["m4"].empty() && agents_.records["m4"].back().replicas_size() == 4;
  }));
  std::lock_guard guard(agents_.mu);
  const proto::Backup& published = agents_.records["m4"].back();
  EXPECT_EQ(published.replicas(3).master(), "m4");
  EXPECT_GT(published.revision(), ready.revision());
}

}  // namespace
}  // namespace lockstep::coordinator
