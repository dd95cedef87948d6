#include "engine/archiving/segment_store.h"

#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <filesystem>

#include "common/clock.h"
#include "common/file.h"

namespace lockstep::archiving {
namespace {

namespace fs = std::filesystem;

constexpr size_t kZxidDigits = 16;

std::string Hex16(Zxid zxid) {
  char text[kZxidDigits + 1];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(static_cast<uint64_t>(zxid)));
  return text;
}

Result<Zxid> ZxidField(const std::string& text, const char* what, const std::string& id) {
  std::optional<Zxid> zxid = ParseHexZxid(text);
  if (!zxid) return InvalidArgument("segment " + id + ": bad " + what + " '" + text + "'");
  return *zxid;
}

Status MakePrivateDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("cannot create " + dir + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) return ErrnoError("cannot chmod", dir, errno);
  return Status::Ok();
}

}  // namespace

std::string SegmentId(Zxid first, Zxid last) { return Hex16(first) + "-" + Hex16(last); }

Status CheckSegmentId(const std::string& id) {
  const bool shaped = id.size() == 2 * kZxidDigits + 1 && id[kZxidDigits] == '-';
  bool hex = shaped;
  for (size_t i = 0; hex && i < id.size(); ++i) {
    if (i != kZxidDigits)
      hex = std::isxdigit(static_cast<unsigned char>(id[i])) &&
            !std::isupper(static_cast<unsigned char>(id[i]));
  }
  if (!hex) {
    return InvalidArgument("bad segment id '" + id +
                           "': expected <first zxid>-<last zxid>, 16 lower-case hex digits each");
  }
  return Status::Ok();
}

Result<std::pair<Zxid, Zxid>> ZxidsOfSegmentId(const std::string& id) {
  RETURN_IF_ERROR(CheckSegmentId(id));
  const auto hex = [](const std::string& digits) {
    return static_cast<Zxid>(std::stoull(digits, nullptr, 16));
  };
  return std::make_pair(hex(id.substr(0, kZxidDigits)), hex(id.substr(kZxidDigits + 1)));
}

proto::ArchiveSegment SegmentRecord(const SegmentInfo& info, const std::string& archiver,
                                    Zxid follows) {
  proto::ArchiveSegment record;
  record.set_id(SegmentId(info.first_zxid, info.last_zxid));
  record.set_first_zxid(FormatZxid(info.first_zxid));
  record.set_last_zxid(FormatZxid(info.last_zxid));
  record.set_first_time_ms(info.first_time_ms);
  record.set_last_time_ms(info.last_time_ms);
  record.set_records(info.records);
  record.set_size_bytes(info.size_bytes);
  record.set_sha256(info.sha256);
  record.set_archiver(archiver);
  record.set_shipped_at(FormatUtcTime(RealClockInstance().WallNow(), kUtcTimestampFormat));
  record.set_revision(1);
  record.set_follows_zxid(FormatZxid(follows));
  if (info.encrypted) record.set_encryption("age");
  return record;
}

Result<Segment> SegmentOf(const proto::ArchiveSegment& record) {
  RETURN_IF_ERROR(CheckSegmentId(record.id()));
  Segment segment;
  segment.id = record.id();
  ASSIGN_OR_RETURN(segment.info.first_zxid,
                   ZxidField(record.first_zxid(), "first_zxid", record.id()));
  ASSIGN_OR_RETURN(segment.info.last_zxid, ZxidField(record.last_zxid(), "last_zxid", record.id()));
  if (record.id() != SegmentId(segment.info.first_zxid, segment.info.last_zxid)) {
    return InvalidArgument("segment " + record.id() + ": its zxids " + record.first_zxid() + ".." +
                           record.last_zxid() + " do not match its id");
  }
  if (segment.info.last_zxid < segment.info.first_zxid || record.records() == 0 ||
      record.sha256().size() != 64) {
    return InvalidArgument("segment " + record.id() +
                           ": its record is incomplete (zxids, records or sha256)");
  }
  segment.info.first_time_ms = record.first_time_ms();
  segment.info.last_time_ms = record.last_time_ms();
  segment.info.records = record.records();
  segment.info.size_bytes = record.size_bytes();
  segment.info.sha256 = record.sha256();
  if (record.encryption() != "" && record.encryption() != "age") {
    return InvalidArgument("segment " + record.id() + ": unknown encryption '" +
                           record.encryption() + "' (this agent reads \"age\" or none)");
  }
  segment.info.encrypted = record.encryption() == "age";
  if (!record.follows_zxid().empty()) {
    ASSIGN_OR_RETURN(segment.follows,
                     ZxidField(record.follows_zxid(), "follows_zxid", record.id()));
  }
  return segment;
}

SegmentStore::SegmentStore(std::string dir)
    : dir_(std::move(dir)),
      records_(dir_ + "/records", [](const proto::ArchiveSegment& s) { return s.id(); }) {}

Status SegmentStore::Open() {
  RETURN_IF_ERROR(MakePrivateDir(dir_));
  RETURN_IF_ERROR(MakePrivateDir(dir_ + "/segments"));
  RETURN_IF_ERROR(MakePrivateDir(dir_ + "/scratch"));
  RETURN_IF_ERROR(MakePrivateDir(dir_ + "/records"));
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ + "/scratch", ec)) {
    fs::remove(entry.path(), ec);  // a segment being written or received when the agent stopped
  }
  return records_.Open();
}

std::string SegmentStore::PathOf(const std::string& id) const {
  return dir_ + "/segments/" + id + ".zst";
}

std::string SegmentStore::ScratchPath(const std::string& name) const {
  return dir_ + "/scratch/" + name;
}

Status SegmentStore::Add(const proto::ArchiveSegment& record, const std::string& path) {
  std::lock_guard lock(adding_);
  if (records_.Has(record.id())) {
    // Held already (a peer shipped it first). Encrypted twice, two copies of one segment differ
    // in every byte: the one held stays, with its own record, and this copy goes.
    std::error_code ec;
    fs::remove(path, ec);
    return Status::Ok();
  }
  return AddLocked(record, path);
}

Status SegmentStore::AddLocked(const proto::ArchiveSegment& record, const std::string& path) {
  ASSIGN_OR_RETURN(Segment segment, SegmentOf(record));
  // An encrypted segment's transactions are read (and checked) by whoever holds the identity, at
  // a restore; here, as for an encrypted backup's replica, its stored bytes are checked.
  RETURN_IF_ERROR(segment.info.encrypted
                      ? CheckStoredSegment(path, segment.info)
                      : ReadSegment(path, segment.info, [](const zkfmt::TxnRecord&) {}));
  if (::chmod(path.c_str(), 0600) != 0) return ErrnoError("cannot chmod", path, errno);
  RETURN_IF_ERROR(RenameDurably(path, PathOf(record.id()), "segment " + record.id()));
  return records_.Put(record).status();
}

Status SegmentStore::Receive(const proto::ArchiveSegment& record, const std::string& bytes) {
  RETURN_IF_ERROR(SegmentOf(record).status());
  // Check, write and keep as one step: two shipments of one segment (the old archiver's backlog
  // and the new one's catch-up) must not leave one's file under the other's record.
  std::lock_guard lock(adding_);
  if (records_.Has(record.id())) return Status::Ok();
  if (bytes.size() != record.size_bytes()) {
    return Corruption("segment " + record.id() + ": received " + std::to_string(bytes.size()) +
                      " bytes, its record says " + std::to_string(record.size_bytes()));
  }
  const std::string scratch = ScratchPath(record.id() + ".received");
  std::error_code ec;
  fs::remove(scratch, ec);
  RETURN_IF_ERROR(WriteFileAtomically(scratch, bytes, kPrivateFile));
  Status added = AddLocked(record, scratch);
  if (!added.ok()) fs::remove(scratch, ec);
  return added;
}

Status SegmentStore::ReceiveFile(const proto::ArchiveSegment& record, const std::string& path) {
  RETURN_IF_ERROR(SegmentOf(record).status());
  std::lock_guard lock(adding_);
  if (records_.Has(record.id())) return Status::Ok();
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (ec) return IoError("cannot read the size of " + path + ": " + ec.message());
  if (size != record.size_bytes()) {
    return Corruption("segment " + record.id() + ": received " + std::to_string(size) +
                      " bytes, its record says " + std::to_string(record.size_bytes()));
  }
  return AddLocked(record, path);
}

std::optional<Zxid> SegmentStore::LastZxid() const {
  std::optional<Zxid> last;
  for (const auto& record : records_.All()) {
    std::optional<Zxid> zxid = ParseHexZxid(record.last_zxid());
    if (zxid && (!last || *zxid > *last)) last = zxid;
  }
  return last;
}

Result<std::vector<std::string>> SegmentStore::RemoveThrough(Zxid zxid) {
  std::vector<std::string> removed;
  for (const auto& record : records_.All()) {
    std::optional<Zxid> last = ParseHexZxid(record.last_zxid());
    if (!last || *last > zxid) continue;
    RETURN_IF_ERROR(Remove(record.id()));
    removed.push_back(record.id());
  }
  return removed;
}

Status SegmentStore::Remove(const std::string& id) {
  RETURN_IF_ERROR(CheckSegmentId(id));
  std::lock_guard lock(adding_);         // not between another's check and keep
  RETURN_IF_ERROR(records_.Remove(id));  // the record first: a record always names a whole file
  std::error_code ec;
  fs::remove(PathOf(id), ec);
  if (ec) return IoError("cannot remove " + PathOf(id) + ": " + ec.message());
  return Status::Ok();
}

}  // namespace lockstep::archiving
