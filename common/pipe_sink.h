// PipeSink: a Sink stage that runs the stages after it on a thread of their own, so a stream's
// later work (encrypting, hashing, writing) overlaps the earlier (compressing) instead of adding
// to it. Write() copies into 1 MiB buffers handed to the worker; at most kDepth wait, so memory
// stays bounded and a fast producer is slowed to the consumer's pace. The first error the worker
// meets is returned by the next Write() or by Finish(); nothing is passed on after it.
// Not thread-safe for callers: one producer.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/sink.h"

namespace lockstep {

class PipeSink : public Sink {
 public:
  explicit PipeSink(Sink* next);  // `next` (not owned) must outlive the sink
  ~PipeSink() override;           // stops the worker; whatever was not finished is dropped
  PipeSink(const PipeSink&) = delete;
  PipeSink& operator=(const PipeSink&) = delete;

  Status Write(const void* data, size_t size) override;
  // Hands over what is left, waits for the worker to pass everything on, then finishes `next`.
  Status Finish() override;

 private:
  static constexpr size_t kBuffer = 1 << 20;
  static constexpr size_t kDepth = 3;

  Status Submit();   // hands `current_` to the worker
  Status Failure();  // the worker's error, if any
  void Work();

  Sink* next_;
  std::vector<char> current_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::vector<char>> queue_;   // guarded by mu_
  std::vector<std::vector<char>> spare_;  // passed-on buffers to reuse; guarded by mu_
  bool busy_ = false;                     // the worker holds a buffer; guarded by mu_
  bool stop_ = false;                     // guarded by mu_
  Status failed_;                         // guarded by mu_
  std::thread worker_;
};

}  // namespace lockstep
