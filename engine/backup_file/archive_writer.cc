#include "engine/backup_file/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <vector>

namespace lockstep::backup_file {
namespace fs = std::filesystem;

namespace {
constexpr size_t kCopyBuffer = 1 << 20;
}

Status CheckNewArchivePath(const std::string& path) {
  if (path.empty()) return InvalidArgument("no archive path given");
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec))) {
    return InvalidArgument(path +
                           " already exists: choose a new archive name (an existing "
                           "archive is never overwritten)");
  }
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, ec)) {
    return InvalidArgument("directory " + parent.string() + " does not exist: create it first");
  }
  return Status::Ok();
}

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::Create(const std::string& final_path,
                                                             const ArchiveWriterOptions& options) {
  RETURN_IF_ERROR(CheckNewArchivePath(final_path));
  std::string temp_path = final_path + ".partial-" + std::to_string(::getpid());
  ASSIGN_OR_RETURN(UniqueFd fd, CreateExclusive(temp_path, kPrivateFile));
  std::unique_ptr<ArchiveWriter> writer(new ArchiveWriter(final_path, temp_path, std::move(fd)));
  RETURN_IF_ERROR(writer->Open(options));
  return writer;
}

ArchiveWriter::ArchiveWriter(std::string final_path, std::string temp_path, UniqueFd fd)
    : final_path_(std::move(final_path)),
      temp_path_(std::move(temp_path)),
      fd_(std::move(fd)),
      file_(fd_.get(), temp_path_),
      hashed_(&file_) {}

ArchiveWriter::~ArchiveWriter() {
  if (archive_ != nullptr) archive_write_free(archive_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

Status ArchiveWriter::LibarchiveError(const std::string& what) {
  if (!write_status_.ok()) return write_status_;
  const char* message = archive_error_string(archive_);
  return IoError(what + " " + temp_path_ + ": " + (message ? message : "libarchive error"));
}

long ArchiveWriter::WriteCallback(struct archive*, void* self, const void* buffer, size_t length) {
  auto* writer = static_cast<ArchiveWriter*>(self);
  Status status = writer->zstd_->Write(buffer, length);
  if (!status.ok()) {
    writer->write_status_ = status;
    return -1;
  }
  return static_cast<long>(length);
}

Status ArchiveWriter::Open(const ArchiveWriterOptions& options) {
  Sink* compressed_to = &hashed_;
  if (!options.recipients.empty()) {
    ASSIGN_OR_RETURN(age_, age::AgeWriter::Create(options.recipients, &hashed_));
    compressed_to = age_.get();
  }
  pipe_ = std::make_unique<PipeSink>(compressed_to);
  zstd_ = std::make_unique<ZstdSink>(pipe_.get(), temp_path_);
  RETURN_IF_ERROR(zstd_->Open(options.zstd));
  archive_ = archive_write_new();
  if (archive_ == nullptr) return Internal("libarchive: out of memory");
  if (archive_write_set_format_pax_restricted(archive_) != ARCHIVE_OK) {
    return LibarchiveError("cannot set up tar for");
  }
  // libarchive frames the tar stream; zstd_ compresses it (see zstd_sink.h for why).
  archive_write_set_bytes_per_block(archive_, 64 * 1024);
  archive_write_set_bytes_in_last_block(archive_, 1);
  if (archive_write_open2(archive_, this, nullptr, &ArchiveWriter::WriteCallback, nullptr,
                          nullptr) != ARCHIVE_OK) {
    return LibarchiveError("cannot open");
  }
  return Status::Ok();
}

Status ArchiveWriter::WriteHeader(const std::string& name, uint64_t size) {
  struct archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_size(entry, static_cast<la_int64_t>(size));
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0644);
  archive_entry_set_mtime(entry, std::time(nullptr), 0);
  int rc = archive_write_header(archive_, entry);
  archive_entry_free(entry);
  if (rc != ARCHIVE_OK) return LibarchiveError("cannot write the header of " + name + " into");
  return Status::Ok();
}

Status ArchiveWriter::AddBytes(const std::string& name, const std::string& contents) {
  RETURN_IF_ERROR(WriteHeader(name, contents.size()));
  if (archive_write_data(archive_, contents.data(), contents.size()) !=
      static_cast<la_ssize_t>(contents.size())) {
    return LibarchiveError("cannot write " + name + " into");
  }
  return Status::Ok();
}

Status ArchiveWriter::AddFile(const std::string& name, const std::string& disk_path, uint64_t size,
                              const std::string& expected_sha256, const ByteProgress& progress,
                              const std::optional<FileIdentity>& hashed_as) {
  ASSIGN_OR_RETURN(UniqueFd in, OpenForRead(disk_path));
  bool unchanged = false;
  if (hashed_as) {
    ASSIGN_OR_RETURN(FileIdentity now, IdentifyFd(in.get(), disk_path));
    unchanged = now == *hashed_as;
  }
  std::optional<AsyncSha256> sha;
  if (!unchanged) sha.emplace();
  RETURN_IF_ERROR(WriteHeader(name, size));
  std::vector<char> buffer(kCopyBuffer);
  uint64_t remaining = size;
  while (remaining > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, buffer.size()));
    ASSIGN_OR_RETURN(size_t got, ReadFully(in.get(), buffer.data(), want, disk_path));
    if (got != want) {
      return IoError(disk_path + " shrank while it was being archived (expected " +
                     std::to_string(size) + " bytes)");
    }
    if (sha) sha->Update(buffer.data(), got);
    if (archive_write_data(archive_, buffer.data(), got) != static_cast<la_ssize_t>(got)) {
      return LibarchiveError("cannot write " + name + " into");
    }
    remaining -= got;
    if (progress) progress(got);
  }
  if (sha) {
    const std::string actual = sha->HexDigest();
    if (actual != expected_sha256) {
      return Corruption(disk_path + " changed between verification and archiving (sha256 " +
                        actual + ", verified " + expected_sha256 + "); run the backup again");
    }
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(FileIdentity after, IdentifyFd(in.get(), disk_path));
  if (after != *hashed_as) {
    return Corruption(disk_path + " changed while it was being archived; run the backup again");
  }
  return Status::Ok();
}

Result<std::string> ArchiveWriter::Commit() {
  if (archive_write_close(archive_) != ARCHIVE_OK) return LibarchiveError("cannot finish");
  archive_write_free(archive_);
  archive_ = nullptr;
  RETURN_IF_ERROR(zstd_->Finish());
  const std::string sha256 = hashed_.HexDigest();
  RETURN_IF_ERROR(SyncFd(fd_.get(), temp_path_));
  fd_.reset();
  // RENAME_NOREPLACE: an archive that appeared meanwhile under the final name is never replaced.
  if (::renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, final_path_.c_str(), RENAME_NOREPLACE) !=
      0) {
    return ErrnoError("cannot rename the finished archive to", final_path_, errno);
  }
  committed_ = true;
  fs::path parent = fs::path(final_path_).parent_path();
  std::string dir = parent.empty() ? "." : parent.string();
  ASSIGN_OR_RETURN(UniqueFd dfd, OpenForRead(dir));
  RETURN_IF_ERROR(SyncFd(dfd.get(), dir));
  return sha256;
}

}  // namespace lockstep::backup_file
