// Working directories of the scenario suites, under /tmp: each run gets its own (named after the
// suite and the process), left behind when a test failed - its agent logs and data are what the
// failure is read from - and removed at the end of a run in which every test passed.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "integration/mini_cluster.h"

namespace lockstep::integration {

class ScenarioDirs : public ::testing::Environment {
 public:
  static ScenarioDirs& Get() {
    static ScenarioDirs* dirs = [] {
      auto* created = new ScenarioDirs;
      ::testing::AddGlobalTestEnvironment(created);  // gtest owns it
      return created;
    }();
    return *dirs;
  }

  // A fresh, empty directory for `name`; anything a killed earlier run of this pid left is gone.
  std::string Make(const std::string& name) {
    const std::string dir =
        std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()));
    (void)MiniCluster::DownDir(dir);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir, ec);
    dirs_.push_back(dir);
    return dir;
  }

  // Runs after every suite's TearDownTestSuite, so every cluster is already down.
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->failed_test_count() > 0) return;
    for (const std::string& dir : dirs_) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }

 private:
  std::vector<std::string> dirs_;
};

// Registered before main() runs, as gtest wants its environments.
inline ScenarioDirs& scenario_dirs_registered = ScenarioDirs::Get();

inline std::string ScenarioDir(const std::string& name) { return ScenarioDirs::Get().Make(name); }

}  // namespace lockstep::integration
