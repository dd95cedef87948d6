// SHA-256 on a second thread. A backup both verifies (Adler32, parsing) and hashes every byte, and
// compresses and hashes again; on one thread those add up, while a master has cores to spare.
// Update() copies the bytes into 1 MiB chunks that a worker thread hashes; at most kDepth chunks
// wait, so memory stays bounded and a fast producer is slowed to the hash's pace.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/sha256.h"

namespace lockstep {

// Not thread-safe for callers: one producer calls Update/Finish; the mutex only hands chunks
// to the worker thread.
class AsyncSha256 {
 public:
  AsyncSha256() = default;
  ~AsyncSha256();
  AsyncSha256(const AsyncSha256&) = delete;
  AsyncSha256& operator=(const AsyncSha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // Waits for every byte given so far to be hashed. Updates may continue afterwards.
  std::string HexDigest();

 private:
  static constexpr size_t kChunk = 1 << 20;
  static constexpr size_t kDepth = 2;

  void Submit();  // hands `current_` to the worker
  void Work();

  std::vector<char> current_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::vector<char>> queue_;   // guarded by mu_
  std::vector<std::vector<char>> spare_;  // hashed chunks to reuse; guarded by mu_
  bool hashing_ = false;                  // the worker holds a chunk; guarded by mu_
  bool stop_ = false;                     // guarded by mu_
  Sha256 sha_;  // only the worker touches it while it runs; HexDigest reads it when idle
  std::thread worker_;
};

}  // namespace lockstep
