#include "engine/backup_file/extract.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "common/async_sha256.h"
#include "common/file.h"
#include "common/fs.h"
#include "common/pipe_sink.h"
#include "engine/backup_file/archive_reader.h"
#include "proto/json.h"

namespace lockstep::backup_file {
namespace {

constexpr uint64_t kMaxManifestSize = 16 << 20;
constexpr size_t kCopyBuffer = 1 << 20;
constexpr uint64_t kWritebackChunk = 8 << 20;

// Writes an extracted file (FdSink) and starts its writeback as it goes (every kWritebackChunk),
// so the fsync at the end waits for little.
class WritebackSink : public Sink {
 public:
  WritebackSink(int fd, const std::string& path) : fd_(fd), file_(fd, path) {}
  Status Write(const void* data, size_t size) override {
    RETURN_IF_ERROR(file_.Write(data, size));
    const uint64_t written = file_.bytes_written();
    if (written - flushed_ >= kWritebackChunk) {
      (void)sync_file_range(fd_, static_cast<off_t>(flushed_),
                            static_cast<off_t>(written - flushed_), SYNC_FILE_RANGE_WRITE);
      flushed_ = written;
    }
    return Status::Ok();
  }
  Status Finish() override { return file_.Finish(); }

 private:
  int fd_;
  FdSink file_;
  uint64_t flushed_ = 0;
};

class Extractor {
 public:
  Extractor(const std::string& archive_path, const ExtractTargets& targets,
            const ExtractProgress& progress)
      : archive_path_(archive_path), targets_(targets), progress_(progress) {}

  Result<ExtractedArchive> Run(const age::Identities& identities) {
    ASSIGN_OR_RETURN(reader_, ArchiveReader::Open(archive_path_, identities));
    RETURN_IF_ERROR(RealFilesystem().CreateDirs(targets_.data_dir));
    RETURN_IF_ERROR(RealFilesystem().CreateDirs(targets_.data_log_dir));
    bool first = true;
    while (true) {
      ASSIGN_OR_RETURN(std::optional<EntryInfo> entry, reader_->Next());
      if (!entry) break;
      RETURN_IF_ERROR(HandleEntry(*entry, first));
      first = false;
    }
    RETURN_IF_ERROR(CheckAllManifestFilesSeen());
    ASSIGN_OR_RETURN(result_.archive_sha256, reader_->FinishAndHash());
    result_.compression = reader_->compression();
    return std::move(result_);
  }

 private:
  Status Refuse(const std::string& why) {
    return Corruption("refusing archive " + archive_path_ + ": " + why);
  }

  Status HandleEntry(const EntryInfo& entry, bool first) {
    ASSIGN_OR_RETURN(std::string name, NormaliseEntryName(entry.name));
    if (entry.is_link) return Refuse("it contains a link: " + entry.name);
    if (entry.is_other) return Refuse("it contains a device, fifo or socket: " + entry.name);
    if (first) RETURN_IF_ERROR(DetectLayout(name, entry));
    if (name == kManifestName) {
      if (!first) return Refuse("the manifest is not the first entry");
      return ReadManifest(entry);
    }
    if (entry.is_directory || name.empty()) {
      if (name.empty() || IsLayoutDirectory(name, result_.layout)) return Status::Ok();
      return Refuse("unexpected directory " + entry.name);
    }
    if (result_.layout == Layout::kLockstep && name.starts_with("components/")) {
      return VerifyComponent(name, entry);
    }
    Result<std::optional<EntryTarget>> target = MapEntry(name, result_.layout);
    if (!target.ok()) return Refuse(target.status().message());
    if (!target->has_value()) return Status::Ok();
    return ExtractFile(name, entry, **target);
  }

  Status DetectLayout(const std::string& name, const EntryInfo& entry) {
    if (name == kManifestName) {
      result_.layout = Layout::kLockstep;
      return Status::Ok();
    }
    if (name.starts_with("zookeeper") &&
        (entry.is_directory || name.find('/') != std::string::npos)) {
      if (name.starts_with("zookeeper/data") || name.starts_with("zookeeper/datalog")) {
        return Refuse("a Lockstep layout without its manifest (first entry " + entry.name + ")");
      }
      result_.layout = Layout::kDcosZk;
      return Status::Ok();
    }
    return Refuse("not a Lockstep or dcos-zk archive (first entry " + entry.name + ")");
  }

  Status ReadManifest(const EntryInfo& entry) {
    if (entry.size > kMaxManifestSize) return Refuse("the manifest is implausibly large");
    std::string json(entry.size, '\0');
    size_t done = 0;
    while (done < json.size()) {
      ASSIGN_OR_RETURN(size_t n, reader_->Read(json.data() + done, json.size() - done));
      if (n == 0) return Refuse("the manifest is truncated");
      done += n;
    }
    Result<proto::Manifest> manifest = ParseManifest(json);
    if (!manifest.ok()) return Refuse(manifest.status().message());
    result_.manifest = std::move(manifest).value();
    // Pointers into result_.manifest, which no longer moves.
    for (const auto& file : result_.manifest->files()) expected_[file.path()] = &file;
    return Status::Ok();
  }

  Status CheckAgainstManifest(const std::string& name, const EntryInfo& entry) {
    if (result_.layout != Layout::kLockstep) return Status::Ok();
    auto it = expected_.find(name);
    if (it == expected_.end()) return Refuse("entry not in the manifest: " + name);
    if (entry.size != it->second->size()) {
      return Refuse("size of " + name + " differs from the manifest (manifest " +
                    std::to_string(it->second->size()) + ", archive " + std::to_string(entry.size) +
                    ")");
    }
    if (!seen_.insert(name).second) return Refuse("duplicate entry " + name);
    return Status::Ok();
  }

  Status ExtractFile(const std::string& name, const EntryInfo& entry, const EntryTarget& target) {
    RETURN_IF_ERROR(CheckAgainstManifest(name, entry));
    const std::string& dir =
        target.dir == TargetDir::kData ? targets_.data_dir : targets_.data_log_dir;
    std::string path = dir + "/" + target.file_name;
    ASSIGN_OR_RETURN(UniqueFd out, CreateExclusive(path));
    RETURN_IF_ERROR(CopyEntry(name, entry, out.get(), path));
    RETURN_IF_ERROR(SyncFd(out.get(), path));
    result_.files.push_back(path);
    return Status::Ok();
  }

  // App components are restored through ZooKeeper, not into the data directories: checked only.
  Status VerifyComponent(const std::string& name, const EntryInfo& entry) {
    RETURN_IF_ERROR(CheckAgainstManifest(name, entry));
    return CopyEntry(name, entry, -1, "");
  }

  // Reads the current entry to its end, writing it to `out` (unless -1), and refuses more or
  // less data than its header says, or (Lockstep's layout) a sha256 other than the manifest's.
  Status CopyEntry(const std::string& name, const EntryInfo& entry, int out,
                   const std::string& path) {
    AsyncSha256 sha;  // beside the decompression, on another core
    // The writes too: the thread decompressing only decompresses and hands bytes on. A
    // component's entry is only checked (out < 0): no file, no writing thread.
    WritebackSink file(out, path);
    std::optional<PipeSink> behind;
    if (out >= 0) behind.emplace(&file);
    std::vector<char> buffer(kCopyBuffer);
    uint64_t copied = 0;
    while (true) {
      ASSIGN_OR_RETURN(size_t n, reader_->Read(buffer.data(), buffer.size()));
      if (n == 0) break;
      copied += n;
      if (copied > entry.size) return Refuse(name + " holds more data than its header says");
      sha.Update(buffer.data(), n);
      if (!behind) continue;
      RETURN_IF_ERROR(behind->Write(buffer.data(), n));
      result_.data_bytes += n;
      if (progress_) progress_(result_.data_bytes, reader_->compressed_bytes_read(), name);
    }
    if (copied != entry.size) return Refuse(name + " is truncated");
    if (behind) RETURN_IF_ERROR(behind->Finish());
    if (result_.layout == Layout::kLockstep && sha.HexDigest() != expected_[name]->sha256()) {
      return Refuse("sha256 of " + name + " does not match the manifest (manifest " +
                    expected_[name]->sha256() + ", archive " + sha.HexDigest() + ")");
    }
    return Status::Ok();
  }

  Status CheckAllManifestFilesSeen() {
    if (result_.layout == Layout::kLockstep && !result_.manifest) {
      return Refuse("it has no manifest");
    }
    for (const auto& [name, file] : expected_) {
      if (!seen_.count(name)) return Refuse("the manifest lists " + name + " but it is missing");
    }
    return Status::Ok();
  }

  const std::string& archive_path_;
  const ExtractTargets& targets_;
  const ExtractProgress& progress_;
  std::unique_ptr<ArchiveReader> reader_;
  ExtractedArchive result_;
  std::map<std::string, const proto::ArchivedFile*> expected_;
  std::set<std::string> seen_;
};

}  // namespace

Result<std::optional<proto::Manifest>> PeekManifest(const std::string& archive_path,
                                                    const age::Identities& identities) {
  ASSIGN_OR_RETURN(std::unique_ptr<ArchiveReader> reader,
                   ArchiveReader::Open(archive_path, identities));
  ASSIGN_OR_RETURN(std::optional<EntryInfo> entry, reader->Next());
  if (!entry) return Corruption("archive " + archive_path + " is empty");
  ASSIGN_OR_RETURN(std::string name, NormaliseEntryName(entry->name));
  if (name != kManifestName) return std::optional<proto::Manifest>();
  if (entry->size > kMaxManifestSize) return Corruption("the manifest is implausibly large");
  std::string json(entry->size, '\0');
  size_t done = 0;
  while (done < json.size()) {
    ASSIGN_OR_RETURN(size_t n, reader->Read(json.data() + done, json.size() - done));
    if (n == 0) return Corruption("the manifest of " + archive_path + " is truncated");
    done += n;
  }
  ASSIGN_OR_RETURN(proto::Manifest manifest, ParseManifest(json));
  return std::optional<proto::Manifest>(std::move(manifest));
}

Result<proto::Manifest> ParseManifest(const std::string& json) {
  proto::Manifest manifest;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // newer minor additions stay readable
  auto status = google::protobuf::util::JsonStringToMessage(json, &manifest, options);
  if (!status.ok()) return Corruption("manifest is not valid JSON: " + status.ToString());
  if (manifest.format_version() != kFormatVersion) {
    return Corruption("manifest format version " + std::to_string(manifest.format_version()) +
                      " is not supported (this Lockstep reads version " +
                      std::to_string(kFormatVersion) + ")");
  }
  std::set<std::string> names;
  for (const auto& file : manifest.files()) {
    ASSIGN_OR_RETURN(std::string normalised, NormaliseEntryName(file.path()));
    if (normalised != file.path() || !names.insert(file.path()).second) {
      return Corruption("manifest lists an unsafe or duplicate path: " + file.path());
    }
    if (file.sha256().size() != 64)
      return Corruption("manifest sha256 malformed for " + file.path());
  }
  return manifest;
}

std::string ManifestToJson(const proto::Manifest& manifest) { return proto::ToJson(manifest); }

Result<ExtractedArchive> ExtractArchive(const std::string& archive_path,
                                        const age::Identities& identities,
                                        const ExtractTargets& targets,
                                        const ExtractProgress& progress) {
  Extractor extractor(archive_path, targets, progress);
  return extractor.Run(identities);
}

}  // namespace lockstep::backup_file
