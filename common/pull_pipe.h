// PullPipe: runs a pull-based stream (a function that reads up to N bytes, 0 at its end) on a
// thread of its own, ahead of the reader, so that its work (decrypting, hashing, reading a file)
// overlaps what the reader does with the bytes (decompressing, extracting) instead of adding to
// it. The mirror of PipeSink. It holds at most kDepth buffers of kBuffer bytes; the source's
// first error is returned by Read() once the bytes before it have been read. Not thread-safe
// for callers: one reader.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace lockstep {

class PullPipe {
 public:
  using Source = std::function<Result<size_t>(char* buffer, size_t size)>;

  explicit PullPipe(Source source);
  ~PullPipe();  // stops the worker (it finishes the read it is in)
  PullPipe(const PullPipe&) = delete;
  PullPipe& operator=(const PullPipe&) = delete;

  // Up to `size` bytes; 0 at the end of the stream.
  Result<size_t> Read(char* buffer, size_t size);

 private:
  static constexpr size_t kBuffer = 1 << 20;
  static constexpr size_t kDepth = 3;

  void Work();

  Source source_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::vector<char>> ready_;  // guarded by mu_
  bool ended_ = false;                   // the source said 0 or failed; guarded by mu_
  bool stop_ = false;                    // guarded by mu_
  Status failed_;                        // guarded by mu_
  std::vector<char> current_;            // the reader's buffer being handed out
  size_t position_ = 0;
  std::thread worker_;
};

}  // namespace lockstep
