// ByteSource: a pull-based byte stream (a file, an archive entry), and JuteReader, which decodes
// ZooKeeper's jute binary encoding (big-endian ints and longs, length-prefixed buffers) from it
// while keeping the stream offset, a running Adler32 and optionally a SHA-256 of what it consumed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async_sha256.h"
#include "common/file.h"
#include "common/status.h"

namespace lockstep::zkfmt {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `size` bytes; 0 means end of stream.
  virtual Result<size_t> Read(char* buffer, size_t size) = 0;
};

class FileSource : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  Result<size_t> Read(char* buffer, size_t size) override;

 private:
  FileSource(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
};

// Not thread-safe. All reads report a short stream as `truncated` rather than an error, because a
// torn tail is an expected state of a ZooKeeper file, not an I/O failure.
class JuteReader {
 public:
  // `track_adler`: keep the running Adler32 (snapshots seal with it; logs checksum each record
  // themselves, so their reader skips this work).
  explicit JuteReader(ByteSource* source, bool hash_sha256 = false, bool track_adler = true);

  uint64_t offset() const { return offset_; }
  uint32_t adler() const { return adler_; }
  void ResetAdler();
  // The SHA-256 of every byte consumed so far (empty state when hashing is off).
  AsyncSha256& sha256() { return sha_; }

  // Fills `out` with exactly `size` bytes. Returns false (and consumes what there was) when the
  // stream ends first.
  Result<bool> ReadExact(char* out, size_t size);
  Result<std::optional<int32_t>> ReadInt32();
  Result<std::optional<int64_t>> ReadInt64();
  // A jute buffer/string: int32 length (-1 = null) then bytes. Lengths above `max_length` are
  // corruption. `out` receives the bytes (null reads as empty); false when truncated.
  Result<bool> ReadBuffer(std::string* out, int32_t max_length, bool* was_null = nullptr);
  // True at a clean end of stream (no further byte).
  Result<bool> AtEnd();
  // Consumes and discards the rest of the stream, counting it into the hashes.
  Status DrainToEnd();

 private:
  Status Fill();
  void Consume(size_t size);

  ByteSource* source_;
  bool hash_sha256_;
  bool track_adler_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  uint64_t offset_ = 0;
  uint32_t adler_ = 1;
  AsyncSha256 sha_;
};

// Decodes big-endian integers from a byte span (txn bodies already in memory).
class SpanReader {
 public:
  SpanReader(const char* data, size_t size) : data_(data), size_(size) {}
  bool ReadInt32(int32_t* out);
  bool ReadInt64(int64_t* out);
  bool ReadBool(bool* out);
  bool ReadBuffer(std::string* out);
  bool Skip(size_t n);
  size_t remaining() const { return size_ - pos_; }

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace lockstep::zkfmt
