// One background task at a time (a restore its agent drives): a second one is refused as busy
// while the first runs, a finished one is joined when the next starts, and the destructor waits
// for the one running. Not thread-safe itself: callers serialise Idle/Start.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <utility>

#include "common/status.h"

namespace lockstep {

class SingleTask {
 public:
  SingleTask() = default;
  SingleTask(const SingleTask&) = delete;
  SingleTask& operator=(const SingleTask&) = delete;
  ~SingleTask() {
    if (thread_.joinable()) thread_.join();
  }

  // Busy ("busy: " + `what`) while a task runs; otherwise Ok, the finished one joined.
  Status Idle(const std::string& what) {
    if (running_) return Status(StatusCode::kBusy, "busy: " + what);
    if (thread_.joinable()) thread_.join();
    return Status::Ok();
  }

  // Waits for the running task, if any (a shutdown, or a test that needs its effects).
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  // After Idle() said Ok.
  template <typename Task>
  void Start(Task task) {
    running_ = true;
    thread_ = std::thread([this, task = std::move(task)]() mutable {
      task();
      running_ = false;
    });
  }

 private:
  std::thread thread_;
  std::atomic<bool> running_{false};
};

}  // namespace lockstep
