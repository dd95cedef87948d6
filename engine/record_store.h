// Records (backups, schedules, restore journals) kept as one JSON file each in a directory on
// this master, written atomically. A copy only replaces the stored one when its revision is
// higher, so replicas pushed in any order, or a restarted agent catching up from its peers,
// converge on the newest.
//
// The files are read and parsed once, at Open(); from then on this store is their only writer
// and answers reads from memory, so a read never touches the disk or parses JSON again. Memory
// holds each record's binary protobuf encoding (a fifth of the parsed message's size: this is
// what grows with history), decoded in microseconds when read.
// Thread-safe: one mutex guards the files and the in-memory copies.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/file.h"
#include "common/log.h"
#include "common/status.h"
#include "proto/json.h"

namespace lockstep {

template <typename Record>
class RecordStore {
 public:
  using KeyOf = std::function<std::string(const Record&)>;
  RecordStore(std::string dir, KeyOf key_of) : dir_(std::move(dir)), key_of_(std::move(key_of)) {}

  // Creates the directory and reads every record in it; unreadable files are skipped (and
  // logged), as they were never written completely.
  Status Open() {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return IoError("cannot create " + dir_ + ": " + ec.message());
    std::lock_guard lock(mu_);
    records_.clear();
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().filename().string();
      if (!name.ends_with(".json") || name[0] == '.') continue;
      Result<Record> record = ReadFile(entry.path().string());
      if (record.ok()) {
        records_[name.substr(0, name.size() - 5)] = Encode(*record);
      } else {
        log::Warn("skipping unreadable record",
                  {{"file", entry.path().string()}, {"error", record.status().message()}});
      }
    }
    if (ec) return IoError("cannot list " + dir_ + ": " + ec.message());
    return Status::Ok();
  }

  // Stores `record` unless the stored copy's revision is the same or higher. True if stored.
  Result<bool> Put(const Record& record) {
    std::lock_guard lock(mu_);
    const std::string key = key_of_(record);
    if (key.empty() || key.find('/') != std::string::npos || key[0] == '.') {
      return InvalidArgument("bad record key '" + key + "'");
    }
    auto stored = records_.find(key);
    if (stored != records_.end() && stored->second.revision >= record.revision()) return false;
    RETURN_IF_ERROR(WriteFileAtomically(PathOf(key), proto::ToJson(record), kPrivateFile));
    records_[key] = Encode(record);
    return true;
  }

  // Whether a record is stored, readable or not.
  bool Has(const std::string& key) const {
    std::lock_guard lock(mu_);
    std::error_code ec;
    return records_.count(key) || std::filesystem::exists(PathOf(key), ec) || ec;
  }

  Result<Record> Get(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto stored = records_.find(key);
    if (stored == records_.end()) return NotFound("no record '" + key + "' in " + dir_);
    return Decode(stored->second);
  }

  // Removes a record for good (not a tombstone: peers are not told). A missing one is fine.
  Status Remove(const std::string& key) {
    std::lock_guard lock(mu_);
    std::error_code ec;
    std::filesystem::remove(PathOf(key), ec);
    if (ec) return IoError("cannot remove " + PathOf(key) + ": " + ec.message());
    records_.erase(key);
    return Status::Ok();
  }

  // Every record, tombstones included, in key order.
  std::vector<Record> All() const {
    std::lock_guard lock(mu_);
    std::vector<Record> records;
    records.reserve(records_.size());
    for (const auto& [key, stored] : records_) records.push_back(Decode(stored));
    return records;
  }

  // Each record's revision by key, without decoding any record.
  std::map<std::string, uint64_t> Revisions() const {
    std::lock_guard lock(mu_);
    std::map<std::string, uint64_t> revisions;
    for (const auto& [key, stored] : records_) revisions.emplace(key, stored.revision);
    return revisions;
  }

 private:
  struct Stored {
    uint64_t revision = 0;
    std::string encoded;  // the binary protobuf encoding
  };
  static Stored Encode(const Record& record) {
    return {record.revision(), record.SerializeAsString()};
  }
  static Record Decode(const Stored& stored) {
    Record record;
    record.ParseFromString(stored.encoded);  // our own encoding of a valid message
    return record;
  }

  std::string PathOf(const std::string& key) const { return dir_ + "/" + key + ".json"; }

  static Result<Record> ReadFile(const std::string& path) {
    ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 1 << 20));
    Record record;
    RETURN_IF_ERROR(proto::FromJson(text, &record, true));
    return record;
  }

  const std::string dir_;
  const KeyOf key_of_;
  mutable std::mutex mu_;
  std::map<std::string, Stored> records_;  // what the files hold, by key
};

}  // namespace lockstep
