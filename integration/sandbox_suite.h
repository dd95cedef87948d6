// The fixture base the scenario suites share: one sandbox of real masters (MiniCluster) started
// once for every test of a suite, with the options the suite asks for, and stopped after its last
// test (with a coordinator elected, unless the suite says kWaitForCoordinator = false). A suite
// says what it needs in `static MiniClusterOptions Options()` (and may start what
// its sandbox depends on there, an S3 server for instance); its tests reach the sandbox through
// `cluster_` and the CLI through `Args`.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "integration/harness.h"
#include "integration/mini_cluster.h"

namespace lockstep::integration {

template <typename Suite>
class SandboxSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new MiniCluster(Suite::Options());
    Status up = Suite::kWaitForCoordinator ? cluster_->UpWithCoordinator() : cluster_->Up();
    ASSERT_TRUE(up.ok()) << up.ToString();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  // `lockstep` arguments reaching the sandbox as its admin, then `rest`.
  static std::vector<std::string> Args(std::vector<std::string> rest) {
    return cluster_->CliArgs(std::move(rest));
  }

  // A suite that tests the election itself sets this false: its tests start before one.
  static constexpr bool kWaitForCoordinator = true;
  static inline MiniCluster* cluster_ = nullptr;
};

}  // namespace lockstep::integration
