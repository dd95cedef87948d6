// Cluster backups on a real 3-master sandbox (issue: elected coordinator, quorum-safe online and
// offline backups, catalog): exactness of an online backup under a writer with every server
// serving throughout, offline's quorum rule, the operation lock, bad labels, a coordinator or a
// source agent killed mid-backup, and the catalog with ZooKeeper stopped everywhere.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/process.h"
#include "common/sha256.h"
#include "common/zxid.h"
#include "engine/zk/four_letter.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/sandbox_suite.h"
#include "integration/scenario_dir.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Backups : public SandboxSuite<Backups> {
 public:
  static MiniClusterOptions Options() {
    const std::string dir = ScenarioDir("lockstep-backup-test");
    auto options = MiniClusterOptions::WithFreePorts(dir, 3);
    options.allow_crash_points = true;
    options.lock_lease = 4s;  // a dead coordinator's lock lapses quickly
    return options;
  }

 protected:
  void TearDown() override {
    ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
    EXPECT_TRUE(cluster_->WaitAllHealthy(60s)) << "cluster did not recover after the test";
    EXPECT_TRUE(WaitFor([] { return cluster_->CoordinatorIndex() != 0; }, 30s));
  }

  static Result<proto::Backup> Create(const std::string& label, const std::string& mode,
                                      int* exit_code = nullptr) {
    CliResult result =
        RunCli(Args({"--json", "backup", "create", "--label", label, "--mode", mode, "--wait"}));
    if (exit_code) *exit_code = result.exit_code;
    proto::Backup record;
    if (!proto::FromJson(result.out, &record, true).ok() || record.id().empty()) {
      return Internal("backup create exit " + std::to_string(result.exit_code) + ": " + result.err +
                      result.out);
    }
    return record;
  }
  static size_t CountBackups() {
    CliResult list = RunCli(Args({"--json", "backup", "list"}));
    size_t n = 0;
    for (size_t at = 0; (at = list.out.find("\"id\":", at)) != std::string::npos; ++at) ++n;
    return n;
  }
  static std::vector<pid_t> ZkPids() {
    std::vector<pid_t> pids;
    for (int i = 1; i <= 3; ++i) pids.push_back(cluster_->zk_pid(i));
    return pids;
  }
  // The coordinator's generation as agent 1 sees it: what a call acting as the coordinator sends.
  static std::string CoordinatorGeneration() {
    Result<proto::ClusterStatus> status = cluster_->ClusterStatus(1);
    return status.ok() ? status->coordinator_generation() : "";
  }
};

TEST_F(Backups, OnlineBackupUnderAWriterIsExactAndStopsNothing) {
  auto zk = ZkClient::Connect(cluster_->zk_connect(), 20s);
  ASSERT_TRUE(zk.ok()) << zk.status().ToString();
  ASSERT_TRUE((*zk)->Create("/w", "", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::pair<std::string, int64_t>> written;  // path, czxid (acknowledged writes)
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      auto created = (*zk)->Create("/w/n" + std::to_string(i), std::string(100, 'x'),
                                   ZkClient::OpenAcl(), CreateMode::kPersistent);
      if (created.ok()) {
        std::lock_guard lock(mu);
        written.emplace_back(created->first, created->second.czxid);
      }
    }
  });
  std::atomic<int> not_serving{0}, probes{0};
  std::thread poller([&] {
    while (!stop) {
      for (int i = 1; i <= 3; ++i) {
        auto srvr = zk::QuerySrvr(*zk::ParseEndpoint(cluster_->zk_endpoint(i)), 2s);
        ++probes;
        if (!srvr.ok() || !srvr->serving) ++not_serving;
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard l(mu);
        return written.size() > 200;
      },
      30s));
  Result<proto::Backup> backup = Create("online-exact", "online");
  std::this_thread::sleep_for(200ms);  // keep writing after the backup's zxid
  stop = true;
  writer.join();
  poller.join();
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  ASSERT_EQ(backup->status(), proto::STATUS_READY) << backup->reason();
  EXPECT_EQ(not_serving.load(), 0)
      << "a server stopped serving during an online backup (" << probes.load() << " probes)";
  EXPECT_EQ(backup->replicas_size(), 3);
  const Zxid z = *ParseHexZxid(backup->component_status().at("zookeeper").last_zxid());

  // Restore the downloaded archive into a scratch directory and read it back.
  const std::string scratch = cluster_->options().dir + "/scratch";
  const std::string archive = scratch + "/online.tar.zst";
  fs::create_directories(scratch);
  CliResult download = RunCli(Args({"backup", "download", backup->id(), "-o", archive}));
  ASSERT_EQ(download.exit_code, 0) << download.err;
  CliResult restored = RunCli({"zk", "restore", archive, "--data-dir", scratch + "/data"});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  ZkServer server(
      {.work_dir = scratch, .data_dir = scratch + "/data", .host = "127.0.1.9", .heap_mb = 256});
  ASSERT_TRUE(server.Start().ok());
  auto reader = ZkClient::Connect(server.endpoint(), 20s);
  ASSERT_TRUE(reader.ok());
  auto children = (*reader)->Children("/w");
  ASSERT_TRUE(children.ok());
  std::set<std::string> present;
  for (const auto& c : *children) present.insert("/w/" + c);
  size_t before = 0, after = 0;
  for (const auto& [path, czxid] : written) {
    if (czxid <= static_cast<int64_t>(z)) {
      ++before;
      EXPECT_TRUE(present.count(path)) << path << " (czxid <= Z) missing";
    } else {
      ++after;
      EXPECT_FALSE(present.count(path)) << path << " (czxid > Z) present";
    }
  }
  EXPECT_GT(before, 200u);
  EXPECT_GT(after, 0u) << "the writer wrote nothing after the backup's zxid";
  EXPECT_EQ(present.size(), before);
}

TEST_F(Backups, OfflineBackupStopsOneFollowerNeverTheLeader) {
  const int leader = cluster_->LeaderIndex();
  ASSERT_NE(leader, 0);
  const auto before = ZkPids();
  Result<proto::Backup> backup = Create("offline-ok", "offline");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  ASSERT_EQ(backup->status(), proto::STATUS_READY) << backup->reason();
  const auto after = ZkPids();
  int restarted = 0;
  for (int i = 0; i < 3; ++i) {
    if (before[i] != after[i]) {
      ++restarted;
      EXPECT_NE(i + 1, leader) << "the leader was stopped";
      EXPECT_EQ(backup->component_status().at("zookeeper").source(), cluster_->name(i + 1));
    }
  }
  EXPECT_EQ(restarted, 1);
  EXPECT_TRUE(cluster_->WaitHealthy(30s)) << "the stopped follower did not rejoin";
}

TEST_F(Backups, OfflineBackupRefusedWhenQuorumWouldBreak) {
  const int leader = cluster_->LeaderIndex();
  const int down = leader == 3 ? 2 : 3;
  ASSERT_EQ(RunCli(Args({"node", "stop-zk", cluster_->name(down)})).exit_code, 0);
  const auto before = ZkPids();
  const size_t backups = CountBackups();
  CliResult refused =
      RunCli(Args({"backup", "create", "--label", "offline-no", "--mode", "offline"}));
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("2 of 3 voters serve"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("serving - 1 >= floor(3/2) + 1"), std::string::npos) << refused.err;
  EXPECT_EQ(ZkPids(), before) << "a refused offline backup stopped a server";
  EXPECT_EQ(CountBackups(), backups) << "a refused backup left a record";
  ASSERT_EQ(RunCli(Args({"node", "start-zk", cluster_->name(down)})).exit_code, 0);
}

TEST_F(Backups, ConcurrentCreatesOneRunsTheOthersAreBusy) {
  const int coordinator = cluster_->CoordinatorIndex();
  ASSERT_TRUE(cluster_->ArmCrashPoint(coordinator, "backup.before_take", 3s).ok());
  std::vector<std::future<CliResult>> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(std::async(std::launch::async, [i] {
      return RunCli(Args({"backup", "create", "--label", "concurrent" + std::to_string(i)}));
    }));
  }
  int ok = 0, busy = 0;
  for (auto& run : runs) {
    CliResult result = run.get();
    if (result.exit_code == 0) ++ok;
    if (result.exit_code == 4) {
      ++busy;
      EXPECT_NE(result.err.find("busy: backup concurrent"), std::string::npos) << result.err;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(busy, 2);
  EXPECT_TRUE(WaitFor([] { return cluster_->ClusterStatus()->current_operation().empty(); }, 30s));
}

// A CLI invocation sends one request id to whichever agents it tries: every retry, to any agent,
// while the backup runs, after it finished and after the coordinator that started it died, gets
// that backup back; a second one never starts.
TEST_F(Backups, ARetriedCreateGetsTheBackupItStartedFromAnyAgentEvenAfterAFailover) {
  const std::string body = R"({"label":"retried","request_id":"test-request-0001"})";
  auto create = [&](int agent) -> Result<proto::Backup> {
    ASSIGN_OR_RETURN(http::Reply reply,
                     cluster_->Call(agent, "POST", "/v1/backups", body, nullptr, 60s));
    if (reply.status != 202) return Internal("HTTP " + std::to_string(reply.status) + reply.body);
    proto::Backup record;
    RETURN_IF_ERROR(proto::FromJson(reply.body, &record, true));
    return record;
  };
  Result<proto::Backup> first = create(1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  for (int agent : {2, 3, 1}) {
    Result<proto::Backup> again = create(agent);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->id(), first->id()) << "agent m" << agent << " started another backup";
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        auto reply = cluster_->Call(1, "GET", "/v1/backups/" + first->id());
        proto::Backup now;
        return reply.ok() && proto::FromJson(reply->body, &now, true).ok() &&
               now.status() == proto::STATUS_READY;
      },
      60s));
  const int coordinator = cluster_->CoordinatorIndex();
  ASSERT_NE(coordinator, 0);
  ASSERT_TRUE(cluster_->KillAgent(coordinator).ok());
  const int other = coordinator == 1 ? 2 : 1;
  ASSERT_TRUE(WaitFor(
      [&] {
        const int now = cluster_->CoordinatorIndex(other);
        return now != 0 && now != coordinator;
      },
      60s));
  Result<proto::Backup> after = create(other);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->id(), first->id()) << "the new coordinator started another backup";
  EXPECT_EQ(after->status(), proto::STATUS_READY);
  CliResult list = RunCli(Args({"--json", "backup", "list", "retried"}));
  size_t n = 0;
  for (size_t at = 0; (at = list.out.find("\"id\": \"retried-", at)) != std::string::npos; ++at) {
    ++n;
  }
  EXPECT_EQ(n, 1u) << list.out;
}

// A create that finds the coordinator's agent dead waits for the next coordinator and is started
// there (it carries a request id, so sending it twice can't start two), instead of failing.
TEST_F(Backups, ACreateForwardedToADeadCoordinatorGoesToTheNextOne) {
  const int coordinator = cluster_->CoordinatorIndex();
  ASSERT_NE(coordinator, 0);
  const int other = coordinator == 1 ? 2 : 1;
  ASSERT_TRUE(cluster_->KillAgent(coordinator).ok());
  auto reply =
      cluster_->Call(other, "POST", "/v1/backups",
                     R"({"label":"failover","request_id":"test-request-0002"})", nullptr, 90s);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ASSERT_EQ(reply->status, 202) << reply->body;
  proto::Backup started;
  ASSERT_TRUE(proto::FromJson(reply->body, &started, true).ok()) << reply->body;
  EXPECT_NE(started.operation_holder(), cluster_->name(coordinator));
  EXPECT_TRUE(WaitFor(
      [&] {
        auto now = cluster_->Call(other, "GET", "/v1/backups/" + started.id());
        proto::Backup record;
        return now.ok() && proto::FromJson(now->body, &record, true).ok() &&
               record.status() == proto::STATUS_READY;
      },
      60s));
}

TEST_F(Backups, BadLabelsAreRefusedAndCreateNothing) {
  const size_t backups = CountBackups();
  for (const std::string& label : std::vector<std::string>{"ab", std::string(26, 'a'), "has space",
                                                           "a/b", ".hidden", "-dash"}) {
    CliResult result = RunCli(Args({"backup", "create", "--label", label}));
    EXPECT_EQ(result.exit_code, 2) << label << ": " << result.err;
    EXPECT_NE(result.err.find("label"), std::string::npos) << result.err;
  }
  // The agent checks too, whatever the client.
  std::string body = "{\"label\":\"a b\"}";
  auto reply = cluster_->Call(2, "POST", "/v1/backups", body);
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(CountBackups(), backups);
}

TEST_F(Backups, CoordinatorKilledMidBackupEndsInErrorAndTheNextSucceeds) {
  const int coordinator = cluster_->CoordinatorIndex();
  ASSERT_NE(coordinator, 0);
  ASSERT_TRUE(cluster_->ArmCrashPoint(coordinator, "backup.after_take").ok());
  CliResult started =
      RunCli(Args({"--json", "backup", "create", "--label", "interrupted", "--mode", "offline"}));
  ASSERT_EQ(started.exit_code, 0) << started.err;
  proto::Backup record;
  ASSERT_TRUE(proto::FromJson(started.out, &record, true).ok());
  ASSERT_TRUE(WaitFor([&] { return !ProcessAlive(cluster_->agent_pid(coordinator)); }, 20s));
  ASSERT_TRUE(cluster_->KillAgent(coordinator).ok());  // reap it
  const int other = coordinator == 1 ? 2 : 1;
  // A successor takes over and ends the orphaned backup once its lock has lapsed.
  std::string last;
  bool ended = WaitFor(
      [&] {
        auto reply = cluster_->Call(other, "GET", "/v1/backups/" + record.id());
        proto::Backup now;
        if (!reply.ok() || !proto::FromJson(reply->body, &now, true).ok()) return false;
        last = reply->body;
        return now.status() == proto::STATUS_ERROR || now.status() == proto::STATUS_READY;
      },
      60s);
  EXPECT_TRUE(ended) << last;
  EXPECT_NE(last.find("interrupted: coordinator " + cluster_->name(coordinator)), std::string::npos)
      << last;
  auto status = cluster_->ClusterStatus(other);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->current_operation().empty()) << status->current_operation();
  EXPECT_TRUE(WaitFor(
      [&] {
        return cluster_->CoordinatorIndex(other) != coordinator &&
               cluster_->CoordinatorIndex(other) != 0;
      },
      10s))
      << "no successor coordinator seen from m" << other;
  // Every server that an offline backup stopped is back.
  for (int i = 1; i <= 3; ++i) {
    if (i != coordinator) {
      EXPECT_GT(cluster_->zk_pid(i), 0) << "m" << i;
    }
  }
  ASSERT_TRUE(cluster_->StartAgent(coordinator).ok());
  ASSERT_TRUE(cluster_->WaitHealthy(60s));
  Result<proto::Backup> next = Create("after-crash", "online");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->status(), proto::STATUS_READY) << next->reason();
}

TEST_F(Backups, SourceAgentKilledWithItsServerStoppedStartsItOnReturn) {
  // Arm every master that may be picked (the followers), disarm the others afterwards.
  const int leader = cluster_->LeaderIndex();
  const std::string point = "take.offline.server_stopped";
  for (int i = 1; i <= 3; ++i) {
    if (i != leader) {
      ASSERT_TRUE(cluster_->ArmCrashPoint(i, point).ok());
    }
  }
  Result<proto::Backup> backup = Create("source-crash", "offline");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  EXPECT_EQ(backup->status(), proto::STATUS_ERROR);
  EXPECT_NE(backup->reason().find("archiving on"), std::string::npos) << backup->reason();
  ASSERT_TRUE(backup->component_status().count("zookeeper"));
  const int source = backup->component_status().at("zookeeper").source()[1] - '0';
  for (int i = 1; i <= 3; ++i) {
    if (i != leader && i != source) {
      ASSERT_TRUE(cluster_->ArmCrashPoint(i, point, 0ms, true).ok());
    }
  }
  EXPECT_EQ(cluster_->zk_pid(source), 0) << "its server should be down with its agent";
  ASSERT_TRUE(cluster_->KillAgent(source).ok());  // reap it
  ASSERT_TRUE(cluster_->StartAgent(source).ok());
  EXPECT_TRUE(WaitFor([&] { return cluster_->zk_pid(source) > 0; }, 20s))
      << "the restarted agent did not start its server";
  ASSERT_TRUE(cluster_->WaitHealthy(60s));
}

TEST_F(Backups, CatalogAnswersWithZooKeeperStoppedEverywhereAndAcrossAgentRestarts) {
  Result<proto::Backup> backup = Create("catalog", "online");
  ASSERT_TRUE(backup.ok());
  ASSERT_TRUE(cluster_->StopAgent(2).ok());
  ASSERT_TRUE(cluster_->StartAgent(2).ok());
  for (int i = 3; i >= 1; --i) {
    ASSERT_EQ(RunCli(Args({"node", "stop-zk", cluster_->name(i)})).exit_code, 0);
  }
  CliResult list = RunCli(Args({"backup", "list", "catalog"}));
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(backup->id()), std::string::npos) << list.out;
  for (int i = 1; i <= 3; ++i) {
    CliResult show = RunCli({"--cluster", cluster_->url(i), "--token-file", cluster_->token_file(),
                             "backup", "show", backup->id()});
    EXPECT_EQ(show.exit_code, 0) << "m" << i << ": " << show.err;
    EXPECT_NE(show.out.find("STATUS_READY"), std::string::npos);
  }
  // With no quorum, creating says why instead of hanging: no coordinator (exit 5) or, while the
  // coordinator's session has not yet expired, no server to back up from (exit 1).
  CliResult create = RunCli(Args({"backup", "create", "--label", "no-zk"}));
  const bool no_coordinator =
      create.exit_code == 5 && create.err.find("no coordinator") != std::string::npos;
  const bool no_source =
      create.exit_code == 1 && create.err.find("0 of 3 voters serve") != std::string::npos;
  EXPECT_TRUE(no_coordinator || no_source) << create.exit_code << ": " << create.err;
  if (no_coordinator) {
    // Said once, though every agent was asked: ZooKeeper has no quorum, so no election can end.
    const std::string why = "no coordinator can be elected: ZooKeeper has no quorum: 0 of 3";
    EXPECT_NE(create.err.find(why), std::string::npos) << create.err;
    EXPECT_EQ(create.err.find(why), create.err.rfind(why)) << create.err;
  }
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(RunCli(Args({"node", "start-zk", cluster_->name(i)})).exit_code, 0);
  }
}

}  // namespace
}  // namespace lockstep::integration

namespace lockstep::integration {
namespace {

TEST_F(Backups, ImportVerifyAndReplicaCorruption) {
  // Incompressible data, so the archive is larger than any in-memory HTTP body limit: replicas,
  // downloads and uploads must stream.
  auto zk = ZkClient::Connect(cluster_->zk_connect(), 20s);
  ASSERT_TRUE(zk.ok());
  ASSERT_TRUE((*zk)->Create("/big", "", ZkClient::OpenAcl(), CreateMode::kPersistent).ok());
  std::mt19937_64 rng(11);
  for (int i = 0; i < 120; ++i) {
    std::string value(100 * 1024, '\0');
    for (auto& c : value) c = static_cast<char>(rng());
    ASSERT_TRUE((*zk)
                    ->Create("/big/n" + std::to_string(i), value, ZkClient::OpenAcl(),
                             CreateMode::kPersistent)
                    .ok());
  }
  Result<proto::Backup> original = Create("to-import", "online");
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  const std::string dir = cluster_->options().dir + "/import";
  fs::create_directories(dir);
  const std::string archive = dir + "/original.tar.zst";
  EXPECT_GT(original->size_bytes(), 10u << 20);
  EXPECT_EQ(original->replicas_size(), 3);
  ASSERT_EQ(RunCli(Args({"backup", "download", original->id(), "-o", archive})).exit_code, 0);

  // A truncated archive is refused whole, and nothing is created.
  const size_t before = CountBackups();
  {
    std::ifstream in(archive, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(dir + "/truncated.tar.zst", std::ios::binary)
        << bytes.substr(0, bytes.size() / 2);
  }
  CliResult refused =
      RunCli(Args({"backup", "import", dir + "/truncated.tar.zst", "--label", "broken"}));
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("refusing the import"), std::string::npos) << refused.err;
  EXPECT_EQ(CountBackups(), before);

  CliResult imported = RunCli(Args({"--json", "backup", "import", archive, "--label", "imported"}));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  proto::Backup record;
  ASSERT_TRUE(proto::FromJson(imported.out, &record, true).ok());
  EXPECT_EQ(record.status(), proto::STATUS_READY);
  EXPECT_EQ(record.mode(), "import");
  EXPECT_EQ(record.replicas_size(), 3);
  EXPECT_EQ(record.component_status().at("zookeeper").last_zxid(),
            original->component_status().at("zookeeper").last_zxid());

  CliResult deep = RunCli(Args({"--json", "backup", "verify", record.id(), "--deep"}));
  EXPECT_EQ(deep.exit_code, 0) << deep.out << deep.err;
  proto::VerifyReport report;
  ASSERT_TRUE(proto::FromJson(deep.out, &report, true).ok()) << deep.out;
  EXPECT_TRUE(report.deep().ok()) << report.deep().error();
  EXPECT_EQ(report.deep().served_zxid(), record.component_status().at("zookeeper").last_zxid());

  // One replica bit-flipped: verify names that master and fails.
  const std::string replica =
      cluster_->master_dir(2) + "/store/backups/" + record.id() + ".tar.zst";
  {
    std::fstream file(replica, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(fs::file_size(replica) / 2));
    char c;
    file.read(&c, 1);
    file.seekp(static_cast<std::streamoff>(fs::file_size(replica) / 2));
    c = static_cast<char>(c ^ 0x10);
    file.write(&c, 1);
  }
  CliResult shallow = RunCli(Args({"--json", "backup", "verify", record.id()}));
  EXPECT_EQ(shallow.exit_code, 1);
  ASSERT_TRUE(proto::FromJson(shallow.out, &report, true).ok()) << shallow.out;
  for (const auto& check : report.replicas()) {
    EXPECT_EQ(check.sha256_matches(), check.master() != "m2") << check.master();
  }
}

}  // namespace
}  // namespace lockstep::integration

namespace lockstep::integration {
namespace {

// A master that stops answering mid-backup (its agent paused, as a long GC pause or a frozen VM
// would) holds nothing back: READY once a majority holds the archive, and the paused master's
// copy joins the record once it wakes.
TEST_F(Backups, AMasterPausedMidBackupHoldsNothingBackAndItsCopyFollows) {
  const int coordinator = cluster_->CoordinatorIndex();
  ASSERT_NE(coordinator, 0);
  // The coordinator waits at the point between archiving and replicating, long enough for the
  // test to pause a master that is neither the source nor the coordinator.
  ASSERT_TRUE(cluster_->ArmCrashPoint(coordinator, "backup.after_take", 3000ms).ok());
  CliResult started = RunCli(Args({"--json", "backup", "create", "--label", "paused"}));
  ASSERT_EQ(started.exit_code, 0) << started.err;
  proto::Backup record;
  ASSERT_TRUE(proto::FromJson(started.out, &record, true).ok()) << started.out;
  const std::string source = record.component_status().at("zookeeper").source();
  int paused = 0;
  for (int i = 1; i <= 3; ++i) {
    if (i != coordinator && cluster_->name(i) != source) paused = i;
  }
  ASSERT_NE(paused, 0);
  ASSERT_TRUE(cluster_->PauseAgent(paused).ok());
  const auto begun = std::chrono::steady_clock::now();
  proto::Backup ready;
  ASSERT_TRUE(WaitFor(
      [&] {
        CliResult shown = RunCli(Args({"--json", "backup", "show", record.id()}));
        return proto::FromJson(shown.out, &ready, true).ok() &&
               ready.status() != proto::STATUS_BACKING_UP;
      },
      60s));
  std::cerr << "READY "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count()
            << " s after m" << paused << "'s agent was paused\n";
  EXPECT_EQ(ready.status(), proto::STATUS_READY) << ready.reason();
  EXPECT_EQ(ready.replicas_size(), 2);
  ASSERT_TRUE(cluster_->ResumeAgent(paused).ok());
  proto::Backup caught_up;
  EXPECT_TRUE(WaitFor(
      [&] {
        CliResult shown = RunCli(Args({"--json", "backup", "show", record.id()}));
        return proto::FromJson(shown.out, &caught_up, true).ok() && caught_up.replicas_size() == 3;
      },
      30s))
      << "m" << paused << "'s late copy never joined the record";
}

// The CLI is given a paused agent first (it accepts connections, answers nothing): the call goes
// to the next agent that answers /healthz instead of waiting out the paused one's timeout.
TEST_F(Backups, ACliGivenAPausedAgentFirstUsesOneThatAnswers) {
  const int coordinator = cluster_->CoordinatorIndex();
  ASSERT_NE(coordinator, 0);
  const int paused = coordinator == 1 ? 2 : 1;
  ASSERT_TRUE(cluster_->PauseAgent(paused).ok());
  std::string urls = cluster_->url(paused);
  for (int i = 1; i <= cluster_->masters(); ++i) {
    if (i != paused) urls += "," + cluster_->url(i);
  }
  const std::vector<std::string> args = {"--cluster", urls, "--token-file", cluster_->token_file(),
                                         "--json"};
  auto with = [&](std::vector<std::string> rest) {
    std::vector<std::string> all = args;
    all.insert(all.end(), rest.begin(), rest.end());
    return all;
  };
  CliResult created = RunCli(
      with({"backup", "create", "--label", "pausedfirst", "--component", "zookeeper", "--wait"}));
  EXPECT_EQ(created.exit_code, 0) << created.err;
  proto::Backup ready;
  EXPECT_TRUE(proto::FromJson(created.out, &ready, true).ok()) << created.out;
  EXPECT_EQ(ready.status(), proto::STATUS_READY) << ready.reason();
  CliResult listed = RunCli(with({"backup", "list"}));
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(ready.id()), std::string::npos);
  ASSERT_TRUE(cluster_->ResumeAgent(paused).ok());
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));
}

// A master whose agent is down while a backup is taken gets no copy then; once its agent is back,
// the coordinator has it fetch one from a holder (replica_catch_up.h), with no new backup.
TEST_F(Backups, AMasterDownDuringABackupCatchesUpItsCopyWhenItReturns) {
  const int coordinator = cluster_->CoordinatorIndex();
  ASSERT_NE(coordinator, 0);
  const int down = coordinator == 3 ? 2 : 3;
  ASSERT_TRUE(cluster_->StopAgent(down).ok());  // its server stops with it; two still serve
  // Once the two left serve: if the stopped server led, they elect a leader first, and a backup
  // asked meanwhile is rightly refused for want of a serving follower.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto status = cluster_->ClusterStatus(coordinator);
        if (!status.ok() || status->serving() != 2 || status->leaders() != 1) return false;
        for (const auto& master : status->masters()) {
          if (master.name() == cluster_->name(down)) return !master.agent_reachable();
        }
        return false;
      },
      30s));
  CliResult created = RunCli(cluster_->CliArgs(
      {"--json", "backup", "create", "--label", "catchup", "--component", "zookeeper", "--wait"},
      coordinator));
  ASSERT_EQ(created.exit_code, 0) << created.err << created.out;
  proto::Backup ready;
  ASSERT_TRUE(proto::FromJson(created.out, &ready, true).ok()) << created.out;
  EXPECT_EQ(ready.status(), proto::STATUS_READY) << ready.reason();
  EXPECT_EQ(ready.replicas_size(), 2);

  ASSERT_TRUE(cluster_->StartStoppedAgents().ok());
  proto::Backup caught_up;
  EXPECT_TRUE(WaitFor(
      [&] {
        CliResult shown = RunCli(Args({"--json", "backup", "show", ready.id()}));
        return proto::FromJson(shown.out, &caught_up, true).ok() && caught_up.replicas_size() == 3;
      },
      60s))
      << "m" << down << " never caught up its copy";
  const std::string archive =
      cluster_->master_dir(down) + "/store/backups/" + ready.id() + ".tar.zst";
  Result<std::string> sha = Sha256OfFile(archive);
  ASSERT_TRUE(sha.ok()) << sha.status().ToString();
  EXPECT_EQ(*sha, ready.sha256());
  ASSERT_TRUE(cluster_->WaitAllHealthy(60s));
}

// What ZooKeeper guards with ACLs stays private on every master: the store 0700, the archives,
// their checksums and the catalog records 0600; a download too.
TEST_F(Backups, TheStoreAndDownloadsArePrivate) {
  Result<proto::Backup> backup = Create("private", "online");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  auto mode = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0777777u;
  };
  for (int i = 1; i <= 3; ++i) {
    const std::string store = cluster_->master_dir(i) + "/store";
    const std::string archive = store + "/backups/" + backup->id() + ".tar.zst";
    EXPECT_EQ(mode(store), 0700u) << store;
    EXPECT_EQ(mode(archive), 0600u) << archive;
    EXPECT_EQ(mode(archive + ".sha256"), 0600u) << archive;
    EXPECT_EQ(mode(store + "/catalog/" + backup->id() + ".json"), 0600u) << "m" << i;
  }
  const std::string out = cluster_->master_dir(1) + "/private-download.tar.zst";
  CliResult downloaded = RunCli(Args({"backup", "download", backup->id(), "-o", out}));
  ASSERT_EQ(downloaded.exit_code, 0) << downloaded.err;
  EXPECT_EQ(mode(out), 0600u);
  fs::remove(out);
}

TEST_F(Backups, DeleteRemovesEveryReplicaAndIsRefusedWhileARestoreHoldsTheLock) {
  Result<proto::Backup> backup = Create("to-delete", "online");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  ASSERT_EQ(backup->replicas_size(), 3);
  // A restore in progress holds the operation lock on every agent.
  proto::LockRequest restore;
  restore.set_operation("restore");
  restore.set_id("restore-of-" + backup->id());
  restore.set_holder("test");
  restore.set_lease_ms(60000);
  const std::string generation = CoordinatorGeneration();
  for (int i = 1; i <= 3; ++i) {
    // The backup's own lock is released on every agent just after its record turns READY.
    std::string answer;
    ASSERT_TRUE(WaitFor(
        [&] {
          // As the coordinator would: its generation admits the call (fencing).
          auto locked = cluster_->Call(i, "POST", "/v1/internal/lock?generation=" + generation,
                                       proto::ToCompactJson(restore));
          answer = locked.ok() ? std::to_string(locked->status) + " " + locked->body
                               : locked.status().ToString();
          return locked.ok() && locked->status == 200;
        },
        10s))
        << "m" << i << ": " << answer;
  }
  CliResult refused = RunCli(Args({"backup", "delete", backup->id()}));
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  EXPECT_NE(refused.err.find("busy: restore restore-of-"), std::string::npos) << refused.err;
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(
        fs::exists(cluster_->master_dir(i) + "/store/backups/" + backup->id() + ".tar.zst"));
    auto released = cluster_->Call(i, "POST", "/v1/internal/lock/release?generation=" + generation,
                                   proto::ToCompactJson(restore));
    ASSERT_TRUE(released.ok() && released->status == 200);
  }
  CliResult deleted = RunCli(Args({"backup", "delete", backup->id()}));
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  for (int i = 1; i <= 3; ++i) {
    EXPECT_FALSE(
        fs::exists(cluster_->master_dir(i) + "/store/backups/" + backup->id() + ".tar.zst"))
        << "m" << i << " kept its replica";
  }
  CliResult show = RunCli(Args({"backup", "show", backup->id()}));
  EXPECT_EQ(show.exit_code, 3) << show.err;
}

}  // namespace
}  // namespace lockstep::integration
