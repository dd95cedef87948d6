// The agents on a real sandbox: 3 and 5 masters, each a real ZooKeeper server under a real
// lockstep-agent on its own loopback address. Status against `srvr` asked directly, supervision
// after a killed JVM, maintenance, authentication, roles and the audit log, a paused peer,
// malformed requests, TLS.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/file.h"
#include "common/process.h"
#include "engine/zk/four_letter.h"
#include "engine/zk/server_guard.h"
#include "integration/harness.h"
#include "integration/mini_cluster.h"
#include "integration/scenario_dir.h"
#include "integration/three_masters.h"
#include "proto/audit.pb.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST_F(ThreeMasters, ExhibitorStatusOnEveryAgentAgreesWithSrvr) {
  // Who leads, asked of each server directly.
  std::string leader_host;
  for (int i = 1; i <= 3; ++i) {
    auto endpoint = zk::ParseEndpoint(cluster_->zk_endpoint(i));
    auto srvr = zk::QuerySrvr(*endpoint);
    ASSERT_TRUE(srvr.ok()) << srvr.status().ToString();
    if (srvr->mode == "leader") leader_host = cluster_->host(i);
  }
  ASSERT_FALSE(leader_host.empty());
  for (int i = 1; i <= 3; ++i) {
    // Exhibitor's exact shape: a bare array of {hostname, code, description, isLeader}. Each
    // agent's view converges as its polls of the others come in.
    std::string empty_token, body, said_leader;
    int leaders = 0, serving = 0;
    WaitFor(
        [&] {
          auto reply = cluster_->Call(i, "GET", "/exhibitor/v1/cluster/status", "", &empty_token);
          if (!reply.ok() || reply->status != 200) return false;
          body = reply->body;
          leaders = serving = 0;
          for (int j = 1; j <= 3; ++j) {
            std::string entry = "{\"hostname\":\"" + cluster_->host(j) +
                                "\",\"code\":3,"
                                "\"description\":\"serving\",\"isLeader\":";
            size_t at = body.find(entry);
            if (at == std::string::npos) continue;
            ++serving;
            if (body.compare(at + entry.size(), 4, "true") == 0) {
              ++leaders;
              said_leader = cluster_->host(j);
            }
          }
          return serving == 3 && leaders == 1;
        },
        20s);
    EXPECT_EQ(body.front(), '[') << body;
    EXPECT_EQ(serving, 3) << "agent " << i << ": " << body;
    EXPECT_EQ(leaders, 1) << "agent " << i << ": " << body;
    EXPECT_EQ(said_leader, leader_host) << "agent " << i << ": " << body;
  }
}

TEST_F(ThreeMasters, KilledServerShowsDownAndIsRestarted) {
  const pid_t before = cluster_->zk_pid(2);
  ASSERT_GT(before, 0);
  ASSERT_TRUE(cluster_->KillZk(2).ok());
  auto killed_at = std::chrono::steady_clock::now();
  // Seen from another master's agent: down (or restarting, not yet serving) within 5 s.
  bool seen_down = WaitFor(
      [&] {
        auto status = cluster_->ClusterStatus(1);
        return status.ok() && status->masters(1).zk().code() != 3;
      },
      5s);
  EXPECT_TRUE(seen_down) << "m2 was not reported down within 5 s of its JVM being killed";
  auto noticed_after = std::chrono::steady_clock::now() - killed_at;
  std::cerr << "  m2 reported down after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(noticed_after).count()
            << " ms\n";
  // The process backend starts a new JVM and the server serves again.
  EXPECT_TRUE(
      WaitFor([&] { return cluster_->zk_pid(2) > 0 && cluster_->zk_pid(2) != before; }, 30s));
  EXPECT_TRUE(cluster_->WaitHealthy(60s));
  auto metrics = cluster_->Call(2, "GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("lockstep_zk_restarts_total{master=\"m2\"} 1"), std::string::npos)
      << metrics->body;
}

TEST_F(ThreeMasters, StoppedNodeStaysDownUntilStarted) {
  CliResult stopped = RunCli(ClusterArgs(*cluster_, {"node", "stop-zk", "m3", "--reason", "test"}));
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(cluster_->zk_pid(3), 0);
  // Through more than the supervisor's restart backoff, the server must not come back.
  bool came_back = WaitFor([&] { return cluster_->zk_pid(3) != 0; }, 4s);
  EXPECT_FALSE(came_back) << "a server in maintenance was restarted";
  CliResult status = RunCli(ClusterArgs(*cluster_, {"--json", "cluster", "status"}));
  EXPECT_EQ(status.exit_code, 0) << "2 of 3 serving is a quorum with one leader";
  proto::ClusterStatus parsed;
  ASSERT_TRUE(proto::FromJson(status.out, &parsed).ok()) << status.out;
  EXPECT_EQ(parsed.masters(2).zk().code(), 1);
  EXPECT_TRUE(parsed.masters(2).zk().maintenance());

  // Two of three down: no quorum, exit 1.
  ASSERT_EQ(RunCli(ClusterArgs(*cluster_, {"node", "stop-zk", "m2"})).exit_code, 0);
  EXPECT_TRUE(WaitFor(
      [&] {
        return RunCli(ClusterArgs(*cluster_, {"cluster", "status"})).exit_code == 1;
      },
      10s));

  ASSERT_EQ(RunCli(ClusterArgs(*cluster_, {"node", "start-zk", "m2"})).exit_code, 0);
  CliResult started = RunCli(ClusterArgs(*cluster_, {"node", "start-zk", "m3"}));
  ASSERT_EQ(started.exit_code, 0) << started.err;
  EXPECT_TRUE(cluster_->WaitHealthy(60s));
  EXPECT_EQ(RunCli(ClusterArgs(*cluster_, {"cluster", "status"})).exit_code, 0);
}

TEST_F(ThreeMasters, MutatingEndpointsRefuseMissingOrWrongToken) {
  const pid_t before = cluster_->zk_pid(1);
  const std::string none, wrong = cluster_->token() + "x";
  for (const std::string* token : {&none, &wrong}) {
    auto reply = cluster_->Call(1, "POST", "/v1/nodes/m1/zk/stop", "", token);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 401);
    proto::ErrorReply error;
    EXPECT_TRUE(proto::FromJson(reply->body, &error).ok()) << reply->body;
    EXPECT_EQ(error.code(), "unauthorized");
    auto status = cluster_->Call(1, "GET", "/v1/cluster/status", "", token);
    EXPECT_EQ(status->status, 401);
  }
  EXPECT_EQ(cluster_->zk_pid(1), before) << "an unauthorised stop stopped the server";
  // Monitoring endpoints stay open.
  for (const char* open : {"/healthz", "/metrics", "/exhibitor/v1/cluster/status"}) {
    auto reply = cluster_->Call(1, "GET", open, "", &none);
    EXPECT_EQ(reply->status, 200) << open;
  }
  // The CLI says it is not authorised and exits 5.
  std::string bad_token_file = cluster_->options().dir + "/bad-token";
  ASSERT_TRUE(WriteFileAtomically(bad_token_file, wrong).ok());
  chmod(bad_token_file.c_str(), 0600);
  CliResult cli = RunCli(
      {"--cluster", cluster_->url(1), "--token-file", bad_token_file, "node", "stop-zk", "m1"});
  EXPECT_EQ(cli.exit_code, 5) << cli.err;
  EXPECT_NE(cli.err.find("not authorised"), std::string::npos) << cli.err;
}

TEST_F(ThreeMasters, AViewerListsButMayNotRestoreOrDeleteAndTheAuditLogSaysWho) {
  ASSERT_TRUE(WaitFor([&] { return cluster_->CoordinatorIndex() != 0; }, 30s));
  CliResult made =
      RunCli(ClusterArgs(*cluster_, {"--json", "backup", "create", "--label", "roles", "--wait"}));
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  proto::Backup backup;
  ASSERT_TRUE(proto::FromJson(made.out, &backup, true).ok()) << made.out;

  CliResult listed = RunCli(ViewerArgs(*cluster_, {"backup", "list"}));
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(backup.id()), std::string::npos) << listed.out;

  CliResult restore = RunCli(ViewerArgs(*cluster_, {"backup", "restore", backup.id(), "--yes"}));
  EXPECT_EQ(restore.exit_code, 5) << restore.out << restore.err;
  EXPECT_NE(restore.err.find("needs the admin role; token 'viewer' is a viewer"), std::string::npos)
      << restore.err;
  const std::string viewer = cluster_->viewer_token();
  auto removed = cluster_->Call(1, "DELETE", "/v1/backups/" + backup.id(), "", &viewer);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->status, 403) << removed->body;
  EXPECT_NE(removed->body.find("\"needed_role\":\"admin\""), std::string::npos) << removed->body;
  EXPECT_EQ(RunCli(ViewerArgs(*cluster_, {"backup", "show", backup.id()})).exit_code, 0)
      << "the refused delete deleted";
  // Internal routes are the agents' alone, whatever an operator's role.
  const std::string admin = cluster_->token();
  EXPECT_EQ(cluster_->Call(2, "GET", "/v1/internal/lock", "", &admin)->status, 403);
  // Reading the audit log is an admin's.
  EXPECT_EQ(RunCli(ViewerArgs(*cluster_, {"audit"})).exit_code, 5);

  // The refusals and the backup are in m1's log, read through any agent (here m2's).
  CliResult audit = RunCli(cluster_->CliArgs({"--json", "audit", "--since", "1h"}, 2));
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  auto restores = AuditEntriesOf(audit.out, "viewer", "POST /v1/backups/{id}/restore");
  ASSERT_EQ(restores.size(), 1u) << audit.out;
  EXPECT_EQ(restores[0].status(), 403);
  EXPECT_EQ(restores[0].code(), "forbidden");
  EXPECT_EQ(restores[0].target(), backup.id());
  EXPECT_EQ(restores[0].master(), "m1");
  EXPECT_EQ(restores[0].role(), "viewer");
  EXPECT_FALSE(restores[0].remote().empty());
  auto deletes = AuditEntriesOf(audit.out, "viewer", "DELETE /v1/backups/{id}");
  ASSERT_EQ(deletes.size(), 1u) << audit.out;
  EXPECT_EQ(deletes[0].status(), 403);
  auto creates = AuditEntriesOf(audit.out, "admin", "POST /v1/backups");
  ASSERT_FALSE(creates.empty()) << audit.out;
  EXPECT_EQ(creates.back().target(), "roles");
  EXPECT_LT(creates.back().status(), 300);
  EXPECT_TRUE(AuditEntriesOf(audit.out, "viewer", "GET /v1/backups").empty()) << "reads too";
  EXPECT_EQ(audit.out.find("\"token\": \"cluster\""), std::string::npos)
      << "agents' own traffic in the audit log: " << audit.out;
  // The human table names the same.
  CliResult table = RunCli(cluster_->CliArgs({"audit"}, 3));
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("403 forbidden"), std::string::npos) << table.out;
  struct stat info {};
  ASSERT_EQ(stat((cluster_->master_dir(1) + "/store/audit.log").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(ThreeMasters, PausedPeerDoesNotHangStatus) {
  ASSERT_TRUE(cluster_->PauseAgent(3).ok());
  // Answered from the last polls, so well within the peer timeout; m3 becomes unreachable once
  // its poll times out.
  const auto deadline = cluster_->options().peer_timeout + 1s;
  bool reported = WaitFor(
      [&] {
        auto reply =
            cluster_->Call(1, "GET", "/v1/cluster/status", "", nullptr,
                           std::chrono::duration_cast<std::chrono::milliseconds>(deadline));
        if (!reply.ok()) {
          ADD_FAILURE() << "status hung past the peer timeout: " << reply.status().ToString();
          return true;
        }
        proto::ClusterStatus status;
        EXPECT_TRUE(proto::FromJson(reply->body, &status).ok());
        return !status.masters(2).agent_reachable() && status.masters(2).zk().code() == 1;
      },
      10s);
  EXPECT_TRUE(reported) << "m3's paused agent was never reported unreachable";
  auto exhibitor = cluster_->Call(2, "GET", "/exhibitor/v1/cluster/status", "", nullptr,
                                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline));
  ASSERT_TRUE(exhibitor.ok()) << exhibitor.status().ToString();
  ASSERT_TRUE(cluster_->ResumeAgent(3).ok());
}

TEST_F(ThreeMasters, MalformedRequestsGet4xxAndTheAgentKeepsServing) {
  const std::string host = cluster_->host(1);
  const uint16_t port = cluster_->options().agent_port;
  const std::string auth = "Authorization: Bearer " + cluster_->token() + "\r\n";
  const std::string post = "POST /v1/nodes/m9/zk/stop HTTP/1.1\r\nHost: x\r\n" + auth;
  struct Case {
    std::string name;
    std::string bytes;
    bool half_close;
    int expected;
  };
  std::vector<Case> cases = {
      {"garbage", "GARBAGE\r\n\r\n", false, 400},
      {"bad version", "GET / HTTP/9\r\n\r\n", false, 400},
      {"truncated headers", "GET /healthz HTTP/1.1\r\nHost", true, 400},
      {"truncated body", post + "Content-Length: 100\r\n\r\n{\"reason\":", true, 400},
      {"oversized body", post + "Content-Length: 5000000\r\n\r\n" + std::string(2 << 20, 'x'),
       false, 413},
      {"oversized headers",
       "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 << 10, 'a') + "\r\n\r\n",
       false, 431},
      {"truncated JSON",
       post + "Content-Length: 10\r\nConnection: close\r\n\r\n{\"reason\":", false, 400},
      {"wrong JSON type", post + "Content-Length: 14\r\nConnection: close\r\n\r\n{\"reason\":123}",
       false, 400},
      {"unknown JSON field",
       post + "Content-Length: 12\r\nConnection: close\r\n\r\n{\"force\":true}", false, 400},
  };
  for (const auto& c : cases) {
    std::string reply = RawExchange(host, port, c.bytes, c.half_close);
    EXPECT_EQ(StatusCodeOf(reply), c.expected) << c.name << ": " << reply.substr(0, 300);
    auto health = cluster_->Call(1, "GET", "/healthz");
    ASSERT_TRUE(health.ok()) << "agent stopped answering after: " << c.name;
    EXPECT_EQ(health->status, 200);
  }
  // The unknown master is refused too, naming it, once the body is well-formed.
  auto unknown = cluster_->Call(1, "POST", "/v1/nodes/m9/zk/stop", "{}");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find("m9"), std::string::npos);
}

TEST_F(ThreeMasters, ManyConcurrentConnections) {
  constexpr int kClients = 100;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      for (int r = 0; r < 5; ++r) {
        auto reply = cluster_->Call(1, "GET", "/v1/cluster/status");
        if (reply.ok() && reply->status == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * 5);
}

TEST(FiveMasters, TlsSandboxComesUpAndReportsEveryMaster) {
  auto options = MiniClusterOptions::WithFreePorts(TestDir("five"), 5);
  options.tls = true;
  options.client_certs = true;  // [tls] client_ca_file: callers present a certificate
  MiniCluster cluster(options);
  Status up = cluster.Up();
  ASSERT_TRUE(up.ok()) << up.ToString();
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = 0; (at = text.find(what, at)) != std::string::npos; ++at) ++n;
    return n;
  };
  for (int i = 1; i <= 5; ++i) {
    // Each agent's view converges as its polls of the others come in.
    std::string none, last;
    bool agreed = WaitFor(
        [&] {
          auto reply = cluster.Call(i, "GET", "/exhibitor/v1/cluster/status", "", &none);
          last = reply.ok() ? reply->body : reply.status().ToString();
          return reply.ok() && count(last, "\"code\":3") == 5 &&
                 count(last, "\"isLeader\":true") == 1;
        },
        20s);
    EXPECT_TRUE(agreed) << "agent " << i << ": " << last;
  }
  CliResult status = RunCli(ClusterArgs(cluster, {"cluster", "status"}));
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("5 of 5 serving"), std::string::npos) << status.out;
  // Without the CA the certificate is not trusted: unreachable, exit 5.
  CliResult untrusted = RunCli(
      {"--cluster", cluster.url(1), "--token-file", cluster.token_file(), "cluster", "status"});
  EXPECT_EQ(untrusted.exit_code, 5) << untrusted.err;
  // With the CA but no client certificate the agents refuse the CLI, and it says what to give.
  CliResult no_certificate =
      RunCli({"--cluster", cluster.url(1), "--token-file", cluster.token_file(), "--ca-file",
              cluster.ca_file(), "cluster", "status"});
  EXPECT_EQ(no_certificate.exit_code, 5) << no_certificate.err;
  EXPECT_NE(no_certificate.err.find("--client-cert"), std::string::npos) << no_certificate.err;
  // Plain HTTP to the HTTPS port gets nothing useful and the agent keeps serving.
  std::string plain = RawExchange(cluster.host(1), options.agent_port,
                                  "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", true);
  EXPECT_EQ(StatusCodeOf(plain), 0);
  EXPECT_EQ(cluster.Call(1, "GET", "/healthz")->status, 200);
  // 5 masters, one down: still a quorum. The one taken down is a follower: a leader's loss would
  // send the others into an election, without a quorum for a moment, whatever the count.
  const int down = cluster.LeaderIndex() == 5 ? 4 : 5;
  ASSERT_TRUE(cluster.KillZk(down).ok());
  ASSERT_EQ(RunCli(ClusterArgs(cluster, {"node", "stop-zk", cluster.name(down)})).exit_code, 0);
  auto after = cluster.ClusterStatus(1);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->quorum());
  EXPECT_EQ(after->voters(), 5);
  // With 4 of 5 serving, stopping one more still leaves a majority: offline backup is allowed.
  ASSERT_TRUE(WaitFor([&] { return cluster.CoordinatorIndex() != 0; }, 30s));
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(WaitFor(
        [&] {
          auto s = cluster.ClusterStatus(i);
          return s.ok() && s->serving() == 4 && s->leaders() == 1;
        },
        30s))
        << "m" << i << " does not see 4 serving";
  }
  CliResult offline = RunCli(ClusterArgs(
      cluster, {"backup", "create", "--label", "five-offline", "--mode", "offline", "--wait"}));
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  EXPECT_NE(offline.out.find("STATUS_READY"), std::string::npos) << offline.out;
}

TEST(Sandbox, UpStatusDownLeavesNothingRunning) {
  auto options = MiniClusterOptions::WithFreePorts(TestDir("sandbox"), 1);
  const std::string sandbox = LOCKSTEP_SANDBOX_PATH;
  auto run = [&](std::vector<std::string> args) {
    std::string command = sandbox;
    for (const auto& a : args) command += " '" + a + "'";
    return RunShellCommand(command, 120s);
  };
  auto up = run({"up", "--dir", options.dir, "--masters", "1", "--agent-port",
                 std::to_string(options.agent_port), "--zk-port",
                 std::to_string(options.zk_client_port)});
  ASSERT_TRUE(up.ok());
  ASSERT_EQ(up->exit_code, 0) << up->output;
  EXPECT_TRUE(fs::exists(options.dir + "/cluster.env"));
  auto status = run({"status", "--dir", options.dir});
  EXPECT_EQ(status->exit_code, 0) << status->output;
  EXPECT_NE(status->output.find("standalone"), std::string::npos) << status->output;
  auto again = run({"up", "--dir", options.dir});
  EXPECT_EQ(again->exit_code, 2) << "a second up on the same dir must refuse";
  auto down = run({"down", "--dir", options.dir});
  EXPECT_EQ(down->exit_code, 0) << down->output;
  EXPECT_FALSE(zk::ServerConfiguredOn({options.dir + "/m1/zk/data"}).has_value());
  // Living processes only (an exited agent may linger as a zombie until init reaps it); "[l]"
  // keeps grep from matching the shell that runs it.
  auto agents = RunShellCommand(
      "ps -eo stat=,args= | grep -v '^Z' | grep '[l]ockstep-agent --config " + options.dir + "'",
      10s);
  EXPECT_NE(agents->exit_code, 0) << "an agent survived down: " << agents->output;
}

}  // namespace
}  // namespace lockstep::integration
