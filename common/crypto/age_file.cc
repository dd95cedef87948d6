#include "common/crypto/age_file.h"

#include <unistd.h>

#include <cstdio>
#include <vector>

#include "common/crypto/age_reader.h"
#include "common/crypto/age_writer.h"
#include "common/file.h"
#include "common/sink.h"

namespace lockstep::age {
namespace {

constexpr size_t kCopyBuffer = 1 << 20;

// A file being written under a temporary name: removed unless Commit() renamed it into place.
class PendingFile {
 public:
  static Result<PendingFile> Create(const std::string& path) {
    if (::access(path.c_str(), F_OK) == 0) {
      return InvalidArgument(path + " already exists: choose a new name");
    }
    std::string temp = path + ".partial-" + std::to_string(::getpid());
    ASSIGN_OR_RETURN(UniqueFd fd, CreateExclusive(temp, kPrivateFile));
    return PendingFile(path, std::move(temp), std::move(fd));
  }
  PendingFile(PendingFile&& other) noexcept = default;
  ~PendingFile() {
    if (fd_.valid()) ::unlink(temp_.c_str());
  }

  int fd() const { return fd_.get(); }
  const std::string& temp() const { return temp_; }
  Status Commit() {
    RETURN_IF_ERROR(SyncFd(fd_.get(), temp_));
    if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
      return ErrnoError("cannot rename " + temp_ + " to", path_, errno);
    }
    fd_.reset();
    return Status::Ok();
  }

 private:
  PendingFile(std::string path, std::string temp, UniqueFd fd)
      : path_(std::move(path)), temp_(std::move(temp)), fd_(std::move(fd)) {}
  std::string path_;
  std::string temp_;
  UniqueFd fd_;
};

}  // namespace

bool IsAgeHeader(std::string_view first_bytes) {
  return first_bytes.starts_with("age-encryption.org/") ||
         first_bytes.starts_with("-----BEGIN AGE ENCRYPTED FILE-----");
}

Result<bool> IsAgeFile(const std::string& path) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path));
  char head[kAgeSniffSize];
  ASSIGN_OR_RETURN(size_t got, ReadFully(fd.get(), head, sizeof head, path));
  return IsAgeHeader(std::string_view(head, got));
}

Status EncryptFile(const std::string& src, const std::string& dst,
                   const std::vector<X25519Recipient>& recipients) {
  ASSIGN_OR_RETURN(UniqueFd in, OpenForRead(src));
  ASSIGN_OR_RETURN(PendingFile out, PendingFile::Create(dst));
  FdSink sink(out.fd(), out.temp());
  ASSIGN_OR_RETURN(std::unique_ptr<AgeWriter> writer, AgeWriter::Create(recipients, &sink));
  std::vector<char> buffer(kCopyBuffer);
  while (true) {
    ASSIGN_OR_RETURN(size_t got, ReadFully(in.get(), buffer.data(), buffer.size(), src));
    RETURN_IF_ERROR(writer->Write(buffer.data(), got));
    if (got < buffer.size()) break;
  }
  RETURN_IF_ERROR(writer->Finish());
  return out.Commit();
}

Status DecryptFile(const std::string& src, const std::string& dst, const Identities& identities) {
  ASSIGN_OR_RETURN(UniqueFd in, OpenForRead(src));
  ASSIGN_OR_RETURN(std::unique_ptr<AgeReader> reader, AgeReader::Open(in.get(), src, identities));
  ASSIGN_OR_RETURN(PendingFile out, PendingFile::Create(dst));
  std::vector<char> buffer(kCopyBuffer);
  while (true) {
    ASSIGN_OR_RETURN(size_t got, reader->Read(buffer.data(), buffer.size()));
    if (got == 0) break;
    RETURN_IF_ERROR(WriteFully(out.fd(), buffer.data(), got, out.temp()));
  }
  return out.Commit();
}

}  // namespace lockstep::age
