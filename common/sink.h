// Sink: a push-based byte stream, so stream stages compose (tar → zstd → age → file): each
// stage is a Sink that transforms what it is given and writes it to the next. Finish() ends
// the stream: a stage flushes what it holds, then finishes the next stage. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/async_sha256.h"
#include "common/status.h"

namespace lockstep {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status Write(const void* data, size_t size) = 0;
  virtual Status Finish() = 0;
};

// Writes to a file descriptor the caller owns (and fsyncs, renames or closes); `path` names it in
// errors. Finish() writes nothing: a descriptor has no trailer.
class FdSink : public Sink {
 public:
  FdSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Status Write(const void* data, size_t size) override;
  Status Finish() override { return Status::Ok(); }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  int fd_;
  std::string path_;
  uint64_t bytes_written_ = 0;
};

// Passes every byte on to `next` (not owned) and hashes it (SHA-256, on a second thread): the
// checksum of a file as stored, taken as it is written.
class HashingSink : public Sink {
 public:
  explicit HashingSink(Sink* next) : next_(next) {}
  Status Write(const void* data, size_t size) override;
  Status Finish() override { return next_->Finish(); }
  std::string HexDigest() { return sha_.HexDigest(); }

 private:
  Sink* next_;
  AsyncSha256 sha_;
};

}  // namespace lockstep
