// Authority that can't be borrowed, tried on the sandbox as an attacker would: a viewer's
// request smuggling a second one through a forwarding agent, the cluster credential on an
// operator's route, callers asking to be treated as forwarded, and unauthenticated floods against
// the audit log. Every test here failed before forwarding carried the caller's own credential
// (agent/http/forwarding.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "common/file.h"
#include "common/http/url.h"
#include "integration/harness.h"
#include "integration/three_masters.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace {
using namespace std::chrono_literals;

// A listener the attacker owns: counts the bytes anyone sends it until stopped.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t size = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Listener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  size_t received() const { return received_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      char buffer[4096];
      pollfd c{client, POLLIN, 0};
      while (::poll(&c, 1, 200) > 0) {
        ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        received_ += static_cast<size_t>(n);
      }
      ::close(client);
    }
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> received_{0};
  std::thread thread_;
};

// Every byte of `text` as %XX, in upper or lower case hex: what a client may send.
std::string EncodeAll(const std::string& text, bool lower) {
  static constexpr char kUpper[] = "0123456789ABCDEF";
  static constexpr char kLower[] = "0123456789abcdef";
  const char* digits = lower ? kLower : kUpper;
  std::string out;
  for (unsigned char c : text) {
    out += '%';
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

// What the cluster must still look like after an attack: which backup exists, each master's
// server process and remembered coordinator generation.
struct Evidence {
  std::vector<pid_t> zk_pids;
  std::vector<std::string> fences;
};

Evidence Collect(const MiniCluster& cluster) {
  Evidence evidence;
  for (int i = 1; i <= cluster.masters(); ++i) {
    evidence.zk_pids.push_back(cluster.zk_pid(i));
    Result<std::string> fence =
        ReadSmallFile(cluster.master_dir(i) + "/store/coordinator-generation", 256);
    evidence.fences.push_back(fence.ok() ? *fence : "");
  }
  return evidence;
}

// A master whose agent does not coordinate (requests to it are forwarded).
int NonCoordinator(const MiniCluster& cluster) {
  const int coordinator = cluster.CoordinatorIndex();
  return coordinator == 1 ? 2 : 1;
}

TEST_F(ThreeMasters, AViewerCannotSmuggleARequestThroughAForwardingAgent) {
  ASSERT_TRUE(WaitFor([&] { return cluster_->CoordinatorIndex() != 0; }, 30s));
  CliResult made = RunCli(
      ClusterArgs(*cluster_, {"--json", "backup", "create", "--label", "smuggle", "--wait"}));
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  proto::Backup backup;
  ASSERT_TRUE(proto::FromJson(made.out, &backup, true).ok()) << made.out;
  Listener attacker;
  const Evidence before = Collect(*cluster_);
  const int via = NonCoordinator(*cluster_);
  const std::string viewer = cluster_->viewer_token();
  const std::string body = R"({"components":["zookeeper"]})";
  const std::vector<std::string> smuggled = {
      "POST /v1/backups/" + backup.id() + "/restore HTTP/1.1\r\nHost: x\r\nContent-Type: " +
          "application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
      "DELETE /v1/backups/" + backup.id() + " HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /v1/nodes/" + cluster_->name(via) + "/zk/stop HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /v1/internal/lock?generation=ffffffffffffffff HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /v1/internal/backups/" + backup.id() +
          "/fetch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n"
          R"({"from_url":"http://127.0.0.1:)" +
          std::to_string(attacker.port()) + "\"}"};
  for (const std::string& second : smuggled) {
    for (const char* newline : {"\r\n", "\n"}) {
      std::string payload =
          "1 HTTP/1.1" + std::string(newline) + "Host: x" + newline + newline + second;
      if (std::string(newline) == "\n") {
        for (size_t at; (at = payload.find("\r\n")) != std::string::npos;) payload.erase(at, 1);
      }
      for (bool lower : {false, true}) {
        const std::string target = "/v1/archive/status?x=" + EncodeAll(payload, lower);
        auto reply = cluster_->Call(via, "GET", target, "", &viewer);
        ASSERT_TRUE(reply.ok()) << reply.status().ToString();
        EXPECT_EQ(reply->status, 400) << target << "\n" << reply->body;
        EXPECT_NE(reply->body.find("control character"), std::string::npos) << reply->body;
      }
    }
  }
  // CR LF in path parameters, even for an admin: refused before any handler runs.
  const std::string admin = cluster_->token();
  for (const std::string& path : {"/v1/nodes/" + cluster_->name(via) + "%0D%0AX-A:%20b/zk/stop",
                                  "/v1/backups/" + backup.id() + "%0a/restore"}) {
    auto reply = cluster_->Call(via, "POST", path, body, &admin);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 400) << path << "\n" << reply->body;
  }
  // An operator's forwarded create with CR LF in its query: refused the same way.
  const std::string deployer = cluster_->operator_token();
  auto create =
      cluster_->Call(via, "POST", "/v1/backups?x=%0D%0ADELETE%20/v1/backups/" + backup.id(),
                     R"({"label":"smuggle-op"})", &deployer);
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(create->status, 400) << create->body;

  // Nothing happened: no backup deleted or restored, no server stopped, no fence moved, and
  // nothing reached the attacker's listener.
  auto shown = cluster_->Call(1, "GET", "/v1/backups/" + backup.id());
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->status, 200) << shown->body;
  proto::Backup after;
  ASSERT_TRUE(proto::FromJson(shown->body, &after, true).ok()) << shown->body;
  EXPECT_EQ(after.restores_size(), 0) << shown->body;
  const Evidence now = Collect(*cluster_);
  EXPECT_EQ(now.zk_pids, before.zk_pids) << "a server was stopped";
  EXPECT_EQ(now.fences, before.fences) << "a fence moved";
  EXPECT_EQ(attacker.received(), 0u) << "a request reached the attacker's listener";
}

TEST_F(ThreeMasters, TheClusterCredentialOpensNoOperatorsRoute) {
  const std::string cluster = cluster_->cluster_token();
  const Evidence before = Collect(*cluster_);
  struct Case {
    std::string method, path, body;
  };
  for (const Case& c :
       std::vector<Case>{{"POST", "/v1/backups", R"({"label":"as-cluster"})"},
                         {"DELETE", "/v1/backups/b-0000000000000000000000000000000000000000", ""},
                         {"POST", "/v1/nodes/m1/zk/stop", "{}"},
                         {"GET", "/v1/backups", ""},
                         {"GET", "/v1/audit", ""}}) {
    auto reply = cluster_->Call(1, c.method, c.path, c.body, &cluster);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 403) << c.method << " " << c.path << ": " << reply->body;
  }
  EXPECT_EQ(Collect(*cluster_).zk_pids, before.zk_pids);
}

TEST_F(ThreeMasters, AnOperatorsForwardedCreateIsAuditedOnTheCoordinatorWithTheOperatorsName) {
  ASSERT_TRUE(WaitFor([&] { return cluster_->CoordinatorIndex() != 0; }, 30s));
  const int coordinator = cluster_->CoordinatorIndex();
  const int via = NonCoordinator(*cluster_);
  CliResult made =
      RunCli({"--cluster", cluster_->url(via), "--token-file", cluster_->operator_token_file(),
              "--json", "backup", "create", "--label", "forwarded-op", "--wait"});
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  CliResult audit = RunCli(cluster_->CliArgs({"--json", "audit", "--since", "1h"}, 3));
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  auto creates = AuditEntriesOf(audit.out, "deployer", "POST /v1/backups");
  ASSERT_EQ(creates.size(), 1u) << "recorded once, where it ran: " << audit.out;
  EXPECT_EQ(creates[0].master(), cluster_->name(coordinator));
  EXPECT_EQ(creates[0].via(), cluster_->name(via));
  EXPECT_EQ(creates[0].role(), "operator");
  EXPECT_EQ(creates[0].target(), "forwarded-op");
  EXPECT_LT(creates[0].status(), 300);
}

TEST_F(ThreeMasters, CallersAskingToBeTreatedAsForwardedNeitherGetItNorSlowTheAgent) {
  ASSERT_TRUE(WaitFor([&] { return cluster_->CoordinatorIndex() != 0; }, 30s));
  const int via = NonCoordinator(*cluster_);
  const std::string host = cluster_->host(via);
  const uint16_t port = cluster_->options().agent_port;
  const std::string viewer = cluster_->viewer_token();
  std::atomic<int> forged_refused{0}, answered{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 100; ++c) {
    callers.emplace_back([&, c] {
      const bool forge = c % 2 == 0;
      std::string request =
          "GET /v1/archive/status?forwarded=1 HTTP/1.1\r\nHost: x\r\n"
          "Authorization: Bearer " +
          viewer + "\r\nConnection: close\r\n";
      if (forge) request += "X-Lockstep-Forwarded: m3 1 00\r\n";
      const int status = StatusCodeOf(RawExchange(host, port, request + "\r\n", false, 30s));
      if (forge && status == 401) ++forged_refused;
      if (status != 0) ++answered;
    });
  }
  // Meanwhile liveness and status answer within a second, every time.
  int quick = 0;
  for (int i = 0; i < 10; ++i) {
    auto health = cluster_->Call(via, "GET", "/healthz", "", nullptr, 1000ms);
    auto status = cluster_->Call(via, "GET", "/v1/cluster/status", "", nullptr, 1000ms);
    quick += health.ok() && health->status == 200 && status.ok() && status->status == 200;
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(quick, 10) << "liveness or status waited behind the callers";
  EXPECT_EQ(forged_refused.load(), 50) << "a forged forward proof was believed";
  EXPECT_EQ(answered.load(), 100);
}

TEST_F(ThreeMasters, AnAdminsAuditEntrySurvivesFiftyThousandUnauthenticatedPosts) {
  const std::string admin = cluster_->token();
  // An admin's change, refused by the handler (no such backup) but recorded.
  const std::string marker = "b-" + std::string(40, '7');
  auto removed = cluster_->Call(2, "DELETE", "/v1/backups/" + marker, "", &admin);
  ASSERT_TRUE(removed.ok());
  const std::string host = cluster_->host(2);
  const uint16_t port = cluster_->options().agent_port;
  const std::string field(256, 'z');
  constexpr int kThreads = 4, kPerThread = 12500;
  std::atomic<int> refused{0};
  std::vector<std::thread> floods;
  for (int t = 0; t < kThreads; ++t) {
    floods.emplace_back([&] {
      // Pipelined on keep-alive connections, 50 requests a batch.
      std::string batch;
      for (int r = 0; r < 50; ++r) {
        batch += "POST /v1/schedules?name=" + field +
                 " HTTP/1.1\r\nHost: x\r\nAuthorization: "
                 "Bearer " +
                 field + "\r\nContent-Length: 2\r\n\r\n{}";
      }
      for (int sent = 0; sent < kPerThread; sent += 50) {
        std::string replies = RawExchange(host, port,
                                          batch +
                                              "POST /v1/schedules HTTP/1.1\r\n"
                                              "Host: x\r\nConnection: close\r\nContent-Length: 2"
                                              "\r\n\r\n{}",
                                          false, 30s);
        for (size_t at = 0; (at = replies.find("HTTP/1.1 401", at)) != std::string::npos; ++at) {
          ++refused;
        }
      }
    });
  }
  for (auto& flood : floods) flood.join();
  EXPECT_GE(refused.load(), kThreads * kPerThread) << "the flood was not refused as sent";
  CliResult audit = RunCli(cluster_->CliArgs({"--json", "audit", "--since", "1h"}, 1));
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  auto deletes = AuditEntriesOf(audit.out, "admin", "DELETE /v1/backups/{id}");
  bool kept = false;
  for (const auto& entry : deletes) kept = kept || entry.target() == marker;
  EXPECT_TRUE(kept) << "the admin's entry was washed out";
  // The flood is counted, by remote and reason.
  auto metrics = cluster_->Call(2, "GET", "/metrics", "", nullptr);
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("lockstep_http_unauthenticated_total{remote=\"127."),
            std::string::npos);
}

TEST_F(ThreeMasters, WithNoQuorumToElectACoordinatorLivenessAndStatusStillAnswerAtOnce) {
  // Two of three servers stopped: no quorum, so no coordinator can be confirmed or elected, and
  // requests for the coordinator wait for an election that cannot happen.
  for (int i : {2, 3}) {
    CliResult stopped = RunCli(ClusterArgs(*cluster_, {"node", "stop-zk", cluster_->name(i)}));
    ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  }
  const std::string viewer = cluster_->viewer_token();
  std::atomic<int> answered{0}, unexpected{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 100; ++c) {
    callers.emplace_back([&] {
      auto reply =
          cluster_->Call(2, "POST", "/v1/backups", R"({"label":"no-quorum"})", &viewer, 30000ms);
      if (!reply.ok()) return;
      ++answered;
      if (reply->status != 403) ++unexpected;  // a viewer may not create, election or not
    });
  }
  std::vector<std::thread> waiting;
  const std::string admin = cluster_->token();
  std::atomic<int> held{0};
  for (int c = 0; c < 20; ++c) {
    waiting.emplace_back([&] {
      // An admin's archive status waits for the coordinator; at most a few may wait at once.
      auto reply = cluster_->Call(2, "GET", "/v1/archive/status", "", &admin, 30000ms);
      if (reply.ok() && reply->status == 503) ++held;
    });
  }
  int quick = 0;
  for (int i = 0; i < 10; ++i) {
    auto health = cluster_->Call(2, "GET", "/healthz", "", nullptr, 1000ms);
    auto status = cluster_->Call(2, "GET", "/v1/cluster/status", "", nullptr, 1000ms);
    quick += health.ok() && health->status == 200 && status.ok() && status->status == 200;
  }
  for (auto& caller : callers) caller.join();
  for (auto& wait : waiting) wait.join();
  EXPECT_EQ(quick, 10) << "liveness or status waited behind requests for the coordinator";
  EXPECT_EQ(answered.load(), 100);
  EXPECT_EQ(unexpected.load(), 0);
  for (int i : {2, 3}) {
    CliResult started = RunCli(ClusterArgs(*cluster_, {"node", "start-zk", cluster_->name(i)}));
    EXPECT_EQ(started.exit_code, 0) << started.err;
  }
}

}  // namespace
}  // namespace lockstep::integration
