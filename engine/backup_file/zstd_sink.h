// The compressed side of an archive: a zstd stream, as a Sink stage writing to the next one (the
// file, or age encryption in front of it). Ours rather than libarchive's zstd filter because that
// filter cannot bound the size of zstd's multi-threaded jobs: with two workers it peaks above 100
// MiB, while 2 MiB jobs keep a backup's whole footprint near 45 MiB at the same speed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/sink.h"
#include "common/status.h"

struct ZSTD_CCtx_s;

namespace lockstep::backup_file {

struct ZstdOptions {
  int level = 3;
  int workers = 2;  // 0 or 1: compress on the calling thread
  // The size of each worker's job, which bounds memory. 2 MiB rather than 4: on the same 638 MiB
  // data directory, a backup's peak RSS fell from 60-64 MiB to 43-44 MiB and its time stayed
  // equal (2.68-2.91 s against 2.69-3.05 s; bench/zk_backup_bench).
  size_t job_bytes = 2 << 20;
};

class ZstdSink : public Sink {
 public:
  // `out` (not owned) must outlive the sink; `path` names the archive in errors.
  ZstdSink(Sink* out, std::string path);
  ~ZstdSink();
  ZstdSink(const ZstdSink&) = delete;
  ZstdSink& operator=(const ZstdSink&) = delete;

  Status Open(const ZstdOptions& options);
  Status Write(const void* data, size_t size) override;
  // Ends the zstd frame, then finishes `out`.
  Status Finish() override;
  uint64_t bytes_written() const { return bytes_written_; }  // compressed bytes

 private:
  Status Pump(const void* data, size_t size, bool end);
  Status Emit(size_t size);

  Sink* next_;
  std::string path_;
  ZSTD_CCtx_s* cctx_ = nullptr;
  std::string out_;
  uint64_t bytes_written_ = 0;
};

}  // namespace lockstep::backup_file
