#include "engine/backup_file/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cerrno>

#include "common/crypto/age_file.h"

namespace lockstep::backup_file {
namespace {
constexpr size_t kReadBuffer = 1 << 20;
}

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::Open(const std::string& path,
                                                           const age::Identities& identities) {
  ASSIGN_OR_RETURN(uint64_t size, FileSize(path));
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path));
  std::unique_ptr<ArchiveReader> reader(new ArchiveReader(path, std::move(fd)));
  reader->file_size_ = size;
  reader->buffer_ = std::make_unique<char[]>(kReadBuffer);
  RETURN_IF_ERROR(reader->OpenDecryption(identities));
  reader->archive_ = archive_read_new();
  if (reader->archive_ == nullptr) return Internal("libarchive: out of memory");
  archive_read_support_format_tar(reader->archive_);
  archive_read_support_filter_zstd(reader->archive_);
  archive_read_support_filter_gzip(reader->archive_);
  archive_read_support_filter_none(reader->archive_);
  if (archive_read_open2(reader->archive_, reader.get(), nullptr, &ArchiveReader::ReadCallback,
                         nullptr, nullptr) != ARCHIVE_OK) {
    return reader->Corrupt("not a tar archive (zstd, gzip or plain)");
  }
  return reader;
}

ArchiveReader::~ArchiveReader() {
  if (archive_ != nullptr) archive_read_free(archive_);
}

Status ArchiveReader::OpenDecryption(const age::Identities& identities) {
  char head[age::kAgeSniffSize];
  const ssize_t got = ::pread(fd_.get(), head, sizeof head, 0);
  if (got < 0) return ErrnoError("cannot read", path_, errno);
  if (!age::IsAgeHeader(std::string_view(head, static_cast<size_t>(got)))) {
    // Plain too, the file is read (and its bytes handed to the hash) on a thread of its own, ahead
    // of libarchive: the decompressing thread is the restore's bottleneck, and the read's copy
    // out of the page cache need not add to it.
    ahead_ = std::make_unique<PullPipe>(
        [this](char* buffer, size_t size) { return ReadRaw(buffer, size); });
    return Status::Ok();
  }
  if (identities.empty()) {
    return InvalidArgument(path_ +
                           " is encrypted (age) and no identity was given to open it: "
                           "set identity_file in agent.toml's [encryption], or pass "
                           "--identity FILE to the command");
  }
  auto raw = [this](char* buffer, size_t size) { return ReadRaw(buffer, size); };
  ASSIGN_OR_RETURN(age_, age::AgeReader::Open(raw, path_, identities));
  ahead_ = std::make_unique<PullPipe>(
      [this](char* buffer, size_t size) { return age_->Read(buffer, size); });
  return Status::Ok();
}

Result<size_t> ArchiveReader::ReadRaw(char* buffer, size_t size) {
  ASSIGN_OR_RETURN(size_t got, ReadFully(fd_.get(), buffer, size, path_));
  sha_.Update(buffer, got);
  compressed_read_ += got;
  return got;
}

Result<size_t> ArchiveReader::ReadStream(char* buffer, size_t size) {
  if (ahead_ == nullptr) return ReadRaw(buffer, size);
  size_t filled = 0;
  while (filled < size) {
    ASSIGN_OR_RETURN(size_t got, ahead_->Read(buffer + filled, size - filled));
    if (got == 0) break;
    filled += got;
  }
  return filled;
}

long ArchiveReader::ReadCallback(struct archive*, void* self, const void** buffer) {
  auto* reader = static_cast<ArchiveReader*>(self);
  Result<size_t> got = reader->ReadStream(reader->buffer_.get(), kReadBuffer);
  if (!got.ok()) {
    reader->read_status_ = got.status();
    return -1;
  }
  *buffer = reader->buffer_.get();
  return static_cast<long>(*got);
}

Status ArchiveReader::Corrupt(const std::string& what) {
  if (!read_status_.ok()) return read_status_;
  const char* message = archive_error_string(archive_);
  return Corruption(path_ + ": " + what + (message ? std::string(" (") + message + ")" : ""));
}

Result<std::optional<EntryInfo>> ArchiveReader::Next() {
  struct archive_entry* entry = nullptr;
  int rc = archive_read_next_header(archive_, &entry);
  if (rc == ARCHIVE_EOF) return std::optional<EntryInfo>();
  if (rc != ARCHIVE_OK) return Corrupt("damaged archive: cannot read the next entry");
  EntryInfo info;
  const char* name = archive_entry_pathname(entry);
  info.name = name ? name : "";
  info.size = static_cast<uint64_t>(archive_entry_size(entry));
  mode_t type = archive_entry_filetype(entry);
  info.is_link = archive_entry_hardlink(entry) != nullptr || type == AE_IFLNK;
  info.is_regular = type == AE_IFREG && !info.is_link;
  info.is_directory = type == AE_IFDIR;
  info.is_other = !info.is_regular && !info.is_directory && !info.is_link;
  return std::optional<EntryInfo>(info);
}

Result<size_t> ArchiveReader::Read(char* buffer, size_t size) {
  la_ssize_t n = archive_read_data(archive_, buffer, size);
  if (n < 0) return Corrupt("damaged archive: cannot read entry data");
  return static_cast<size_t>(n);
}

Result<std::string> ArchiveReader::FinishAndHash() {
  // Encrypted, the rest of the stream is read through the decryption so that its final chunk is
  // authenticated too (a truncated file is refused); then whatever raw bytes remain.
  while (true) {
    ASSIGN_OR_RETURN(size_t got, ReadStream(buffer_.get(), kReadBuffer));
    if (got == 0) break;
  }
  while (true) {
    ASSIGN_OR_RETURN(size_t got, ReadRaw(buffer_.get(), kReadBuffer));
    if (got == 0) break;
  }
  return sha_.HexDigest();
}

std::string ArchiveReader::compression() const {
  const char* name = archive_filter_name(archive_, 0);
  return name ? name : "none";
}

}  // namespace lockstep::backup_file
