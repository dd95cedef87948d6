// ArchiveReader: reads a tar archive (zstd, gzip or uncompressed) entry by entry through
// libarchive, streaming each entry's data, while hashing every byte of the archive file
// (SHA-256) so the whole-archive checksum costs no extra pass. An archive encrypted with age (see
// archive_writer.h) is decrypted on the way, chunk by authenticated chunk, with the identities
// given, on a thread of its own ahead of libarchive (PullPipe); the checksum stays the stored
// file's. Not thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async_sha256.h"
#include "common/crypto/age_reader.h"
#include "common/file.h"
#include "common/pull_pipe.h"
#include "common/status.h"
#include "engine/zkfmt/byte_source.h"

struct archive;

namespace lockstep::backup_file {

struct EntryInfo {
  std::string name;  // as stored
  uint64_t size = 0;
  bool is_regular = false;
  bool is_directory = false;
  bool is_link = false;   // symbolic or hard link
  bool is_other = false;  // device, fifo, socket
};

class ArchiveReader : public zkfmt::ByteSource {
 public:
  // An encrypted archive needs an identity that opens it: without any, InvalidArgument says
  // where to give one.
  static Result<std::unique_ptr<ArchiveReader>> Open(const std::string& path,
                                                     const age::Identities& identities = {});
  ~ArchiveReader() override;

  // The next entry, or nullopt at the end of the archive.
  Result<std::optional<EntryInfo>> Next();
  // Reads the current entry's data (ByteSource).
  Result<size_t> Read(char* buffer, size_t size) override;
  // After Next() returned nullopt: hashes any bytes left after the tar end and returns the
  // SHA-256 of the archive file.
  Result<std::string> FinishAndHash();
  // "zstd", "gzip", "none"...
  std::string compression() const;
  uint64_t compressed_bytes_read() const { return compressed_read_.load(); }
  uint64_t file_size() const { return file_size_; }
  bool encrypted() const { return age_ != nullptr; }

 private:
  ArchiveReader(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  Status Corrupt(const std::string& what);
  static long ReadCallback(struct archive*, void* self, const void** buffer);
  Status OpenDecryption(const age::Identities& identities);
  // The file's next bytes as stored, hashed and counted.
  Result<size_t> ReadRaw(char* buffer, size_t size);
  // What libarchive reads: the stored bytes, or their plaintext when encrypted.
  Result<size_t> ReadStream(char* buffer, size_t size);

  std::string path_;
  UniqueFd fd_;
  std::unique_ptr<age::AgeReader> age_;
  struct archive* archive_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  AsyncSha256 sha_;
  Status read_status_;
  std::atomic<uint64_t> compressed_read_{0};  // the decrypting thread counts too
  uint64_t file_size_ = 0;
  // Decrypts ahead (encrypted archives only). Last, so it stops before what it reads goes away.
  std::unique_ptr<PullPipe> ahead_;
};

}  // namespace lockstep::backup_file
