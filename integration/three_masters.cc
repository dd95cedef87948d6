#include "integration/three_masters.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/harness.h"
#include "integration/scenario_dir.h"
#include "proto/json.h"

namespace lockstep::integration {

using namespace std::chrono_literals;

std::string TestDir(const std::string& name) {
  return ScenarioDir("lockstep-cluster-test-" + name);
}

// Sends raw bytes to host:port and returns everything the server writes back before closing
// (or before `timeout`). `half_close` shuts our side for writing after sending.
std::string RawExchange(const std::string& host, uint16_t port, const std::string& bytes,
                        bool half_close, std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  addr.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading everything
    sent += static_cast<size_t>(n);
  }
  if (half_close) shutdown(fd, SHUT_WR);
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    reply.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return reply;
}

int StatusCodeOf(const std::string& raw_reply) {
  if (raw_reply.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::atoi(raw_reply.c_str() + 9);
}

std::vector<std::string> ClusterArgs(const MiniCluster& cluster, std::vector<std::string> rest) {
  return cluster.CliArgs(std::move(rest), 1);
}

std::vector<std::string> ViewerArgs(const MiniCluster& cluster, std::vector<std::string> rest) {
  std::vector<std::string> args = {"--cluster", cluster.url(1), "--token-file",
                                   cluster.viewer_token_file()};
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

std::vector<proto::AuditEntry> AuditEntriesOf(const std::string& json, const std::string& token,
                                              const std::string& operation) {
  proto::AuditLog log;
  // The CLI prints a JSON array; wrapped, it is an AuditLog's entries.
  EXPECT_TRUE(proto::FromJson("{\"entries\":" + json + "}", &log).ok()) << json;
  std::vector<proto::AuditEntry> found;
  for (const auto& entry : log.entries()) {
    if (entry.token() == token && entry.operation() == operation) found.push_back(entry);
  }
  return found;
}

MiniClusterOptions ThreeMasters::Options() {
  return MiniClusterOptions::WithFreePorts(TestDir("three"), 3);
}

void ThreeMasters::TearDown() {
  for (int i = 1; i <= 3; ++i) (void)cluster_->ResumeAgent(i);
  EXPECT_TRUE(cluster_->WaitAllHealthy(60s)) << "cluster did not recover after the test";
}

}  // namespace lockstep::integration
