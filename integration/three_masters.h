// The suite fixture the cluster and authority scenarios share: one 3-master sandbox started once
// for every test of the cluster_tests executable, and the raw-socket and CLI helpers they use.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "integration/mini_cluster.h"
#include "integration/sandbox_suite.h"
#include "proto/audit.pb.h"

namespace lockstep::integration {

std::string TestDir(const std::string& name);

// Sends raw bytes to host:port and returns everything the server writes back before closing
// (or before `timeout`). `half_close` shuts our side for writing after sending.
std::string RawExchange(const std::string& host, uint16_t port, const std::string& bytes,
                        bool half_close,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The status code of a raw HTTP/1.1 reply; 0 when it is not one.
int StatusCodeOf(const std::string& raw_reply);

// `lockstep` arguments reaching master 1 with the admin token, then `rest`.
std::vector<std::string> ClusterArgs(const MiniCluster& cluster, std::vector<std::string> rest);
// The CLI as the sandbox's viewer: the same cluster, the viewer's token file.
std::vector<std::string> ViewerArgs(const MiniCluster& cluster, std::vector<std::string> rest);

// The entries of `lockstep audit --json` by `token` for `operation`.
std::vector<proto::AuditEntry> AuditEntriesOf(const std::string& json, const std::string& token,
                                              const std::string& operation);

class ThreeMasters : public SandboxSuite<ThreeMasters> {
 public:
  // The election itself is under test: the suite starts without waiting for a coordinator.
  static constexpr bool kWaitForCoordinator = false;
  static MiniClusterOptions Options();

 protected:
  // Every test leaves the cluster as it found it: all serving, one leader.
  void TearDown() override;
};

}  // namespace lockstep::integration
