// ArchiveWriter: a streaming tar (pax) archive written by libarchive and compressed by our own
// zstd stream (ZstdSink: worker threads with bounded jobs, which libarchive's zstd filter can't
// bound), to a temporary name beside the destination, fsynced and renamed into place only by
// Commit() — an interrupted backup never leaves a file under the final name. Memory stays bounded
// (the copy buffer and the zstd workers' jobs) whatever the data size. The SHA-256 of the
// archive's bytes is computed as they are written, on a second thread. With recipients, the
// compressed stream is encrypted in the age v1 format before it reaches the disk (tar → zstd →
// age → file): no plaintext byte of the archive is ever written, and the checksum is the stored,
// encrypted file's, so replicas and remote copies are checked without any secret.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/age_writer.h"
#include "common/file.h"
#include "common/pipe_sink.h"
#include "common/status.h"
#include "engine/backup_file/zstd_sink.h"

struct archive;

namespace lockstep::backup_file {

// Called as bytes of file data are archived (delta bytes).
using ByteProgress = std::function<void(uint64_t bytes)>;

struct ArchiveWriterOptions {
  ZstdOptions zstd;
  // age X25519 recipients to encrypt to; empty: not encrypted.
  std::vector<age::X25519Recipient> recipients;
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
  // equal `expected_sha256` (what verification saw), or the archive is abandoned. `hashed_as` is
  // the file's identity from before that hash was taken: while the file still has it, its bytes
  // are the hashed ones and are not hashed again (it must still have it once copied).
  Status AddFile(const std::string& name, const std::string& disk_path, uint64_t size,
                 const std::string& expected_sha256, const ByteProgress& progress = {},
                 const std::optional<FileIdentity>& hashed_as = std::nullopt);
  // Finishes the stream, fsyncs, renames into place, fsyncs the directory. Returns the
  // archive's SHA-256.
  Result<std::string> Commit();

  uint64_t bytes_written() const { return file_.bytes_written(); }  // as stored

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
  // The stream's stages, last first: the file, its checksum, encryption (optional), a pipe
  // that runs those on a thread of their own (they overlap compression instead of adding to
  // it), zstd.
  FdSink file_;
  HashingSink hashed_;
  std::unique_ptr<age::AgeWriter> age_;
  std::unique_ptr<PipeSink> pipe_;
  std::unique_ptr<ZstdSink> zstd_;
  Status write_status_;
  bool committed_ = false;
};

}  // namespace lockstep::backup_file
