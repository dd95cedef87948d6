// The compressed side of an archive: a zstd stream written to a file descriptor, hashed as it is
// written. Ours rather than libarchive's zstd filter because that filter cannot bound the size of
// zstd's multi-threaded jobs: with two workers it peaks above 100 MiB, while 4 MiB jobs keep a
// backup's whole footprint near 40 MiB at nearly the same speed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/async_sha256.h"
#include "common/status.h"

struct ZSTD_CCtx_s;

namespace lockstep::archive {

struct ZstdOptions {
  int level = 3;
  int workers = 2;  // 0 or 1: compress on the calling thread
  size_t job_bytes = 4 << 20;
};

class ZstdSink {
 public:
  // `fd` stays owned by the caller; `path` names it in errors.
  ZstdSink(int fd, std::string path);
  ~ZstdSink();
  ZstdSink(const ZstdSink&) = delete;
  ZstdSink& operator=(const ZstdSink&) = delete;

  Status Open(const ZstdOptions& options);
  Status Write(const void* data, size_t size);
  // Ends the zstd frame. Returns the SHA-256 of every byte written to the descriptor.
  Result<std::string> Finish();
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  Status Pump(const void* data, size_t size, bool end);
  Status Emit(size_t size);

  int fd_;
  std::string path_;
  ZSTD_CCtx_s* cctx_ = nullptr;
  std::string out_;
  AsyncSha256 sha_;
  uint64_t bytes_written_ = 0;
};

}  // namespace lockstep::archive
