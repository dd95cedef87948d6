#include "cli/coordinator_wait.h"

#include <chrono>
#include <iostream>

#include "api/paths.h"
#include "proto/agent.pb.h"

namespace lockstep::cli {
namespace {

using namespace std::chrono_literals;

// Most answers come well within this: only a slow one is worth a word.
constexpr auto kQuietFor = 3s;
constexpr auto kPoll = 2s;

}  // namespace

CoordinatorWait::CoordinatorWait(const ClusterFlags& cluster, bool quiet) : cluster_(cluster) {
  if (!quiet) thread_ = std::thread([this] { Watch(); });
}

CoordinatorWait::~CoordinatorWait() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string CoordinatorWait::Describe(const std::string& name, bool reachable) {
  std::string line;
  if (name.empty()) {
    line = "no coordinator elected right now; waiting for the election…";
  } else if (!reachable) {
    line = name + " not answering; waiting for a new coordinator…";
  } else {
    line = "waiting for the coordinator " + name + " to answer…";
  }
  if (line == said_) return "";
  said_ = line;
  return line;
}

void CoordinatorWait::Watch() {
  std::unique_lock lock(mu_);
  if (stop_.wait_for(lock, kQuietFor, [this] { return stopping_; })) return;
  do {
    lock.unlock();
    proto::ClusterStatus status;
    Status asked = CallApiFor(
        cluster_, {.path = api::paths::kClusterStatus, .timeout = std::chrono::milliseconds(2000)},
        &status);
    lock.lock();
    if (stopping_) return;
    if (!asked.ok()) continue;  // the agent is busy too: say nothing rather than guess
    bool reachable = false;
    for (const auto& master : status.masters()) {
      if (master.name() == status.coordinator()) reachable = master.agent_reachable();
    }
    std::string line = Describe(status.coordinator(), reachable);
    if (!line.empty()) std::cerr << line << "\n";
  } while (!stop_.wait_for(lock, kPoll, [this] { return stopping_; }));
}

}  // namespace lockstep::cli
