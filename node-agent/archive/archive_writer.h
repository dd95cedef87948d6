// ArchiveWriter: a streaming tar (pax) + zstd archive through libarchive, written to a temporary
// name beside the destination, fsynced and renamed into place only by Commit() — an interrupted
// backup never leaves a file under the final name. Memory stays bounded (one 1 MiB copy buffer)
// whatever the data size. The SHA-256 of the archive's bytes is computed as they are written.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/file.h"
#include "common/sha256.h"
#include "common/status.h"

struct archive;

namespace lockstep::archive {

// Called as bytes of file data are archived (delta bytes).
using ByteProgress = std::function<void(uint64_t bytes)>;

struct ArchiveWriterOptions {
  int zstd_level = 3;
  // zstd worker threads. 2 makes backups ~1.5x faster but peaks at ~105 MiB RSS (libarchive
  // exposes no job size); 1 keeps the whole backup under 20 MiB.
  int zstd_threads = 1;
};

// InvalidArgument when `path` exists (an archive is never overwritten) or its directory does not.
Status CheckNewArchivePath(const std::string& path);

class ArchiveWriter {
 public:
  // Fails when `final_path` exists or its directory does not.
  static Result<std::unique_ptr<ArchiveWriter>> Create(const std::string& final_path,
                                                       const ArchiveWriterOptions& options = {});
  ~ArchiveWriter();  // removes the temporary file unless committed

  Status AddBytes(const std::string& name, const std::string& contents);
  // Archives the first `size` bytes of `disk_path` as `name`; the SHA-256 of those bytes must
  // equal `expected_sha256` (what verification saw), or the archive is abandoned.
  Status AddFile(const std::string& name, const std::string& disk_path, uint64_t size,
                 const std::string& expected_sha256, const ByteProgress& progress = {});
  // Finishes the stream, fsyncs, renames into place, fsyncs the directory. Returns the
  // archive's SHA-256.
  Result<std::string> Commit();

  uint64_t bytes_written() const { return bytes_written_; }

 private:
  ArchiveWriter(std::string final_path, std::string temp_path, UniqueFd fd);
  Status Open(const ArchiveWriterOptions& options);
  Status WriteHeader(const std::string& name, uint64_t size);
  Status LibarchiveError(const std::string& what);
  static long WriteCallback(struct archive*, void* self, const void* buffer, size_t length);

  std::string final_path_;
  std::string temp_path_;
  UniqueFd fd_;
  struct archive* archive_ = nullptr;
  Sha256 sha_;
  Status write_status_;
  uint64_t bytes_written_ = 0;
  bool committed_ = false;
};

}  // namespace lockstep::archive
