// Records (backups, schedules) kept as one JSON file each in a directory on this master, written
// atomically. A copy only replaces the stored one when its revision is higher, so replicas pushed
// in any order, or a restarted agent catching up from its peers, converge on the newest.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/file.h"
#include "common/log.h"
#include "common/status.h"
#include "proto/json.h"

namespace lockstep::agent {

template <typename Record>
class RecordStore {
 public:
  using KeyOf = std::function<std::string(const Record&)>;
  RecordStore(std::string dir, KeyOf key_of) : dir_(std::move(dir)), key_of_(std::move(key_of)) {}

  Status Open() {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return IoError("cannot create " + dir_ + ": " + ec.message());
    return Status::Ok();
  }

  // Stores `record` unless the stored copy's revision is the same or higher. True if stored.
  Result<bool> Put(const Record& record) {
    std::lock_guard lock(mu_);
    const std::string key = key_of_(record);
    if (key.empty() || key.find('/') != std::string::npos || key[0] == '.') {
      return InvalidArgument("bad record key '" + key + "'");
    }
    Result<Record> stored = ReadLocked(key);
    if (stored.ok() && stored->revision() >= record.revision()) return false;
    RETURN_IF_ERROR(WriteFileAtomically(PathOf(key), proto::ToJson(record)));
    return true;
  }

  // Whether a record is stored, readable or not.
  bool Has(const std::string& key) const {
    std::error_code ec;
    return std::filesystem::exists(PathOf(key), ec) || ec;
  }

  Result<Record> Get(const std::string& key) const {
    std::lock_guard lock(mu_);
    return ReadLocked(key);
  }

  // Removes a record for good (not a tombstone: peers are not told). A missing one is fine.
  Status Remove(const std::string& key) {
    std::lock_guard lock(mu_);
    std::error_code ec;
    std::filesystem::remove(PathOf(key), ec);
    if (ec) return IoError("cannot remove " + PathOf(key) + ": " + ec.message());
    return Status::Ok();
  }

  // Every record, tombstones included.
  std::vector<Record> All() const {
    std::lock_guard lock(mu_);
    std::vector<Record> records;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().filename().string();
      if (!name.ends_with(".json") || name[0] == '.') continue;
      Result<Record> record = ReadLocked(name.substr(0, name.size() - 5));
      if (record.ok()) {
        records.push_back(std::move(*record));
      } else {
        log::Warn("skipping unreadable record",
                  {{"file", entry.path().string()}, {"error", record.status().message()}});
      }
    }
    return records;
  }

 private:
  std::string PathOf(const std::string& key) const { return dir_ + "/" + key + ".json"; }

  Result<Record> ReadLocked(const std::string& key) const {
    ASSIGN_OR_RETURN(std::string text, ReadSmallFile(PathOf(key), 1 << 20));
    Record record;
    RETURN_IF_ERROR(proto::FromJson(text, &record, true));
    return record;
  }

  const std::string dir_;
  const KeyOf key_of_;
  mutable std::mutex mu_;
};

}  // namespace lockstep::agent
