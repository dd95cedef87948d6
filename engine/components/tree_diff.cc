#include "engine/components/tree_diff.h"

#include <algorithm>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/znode_path.h"
#include "engine/components/live_tree.h"
#include "engine/zkfmt/node_table.h"

namespace lockstep::components {
namespace {

// The `limit` smallest paths added (a max-heap of them), and how many were added in all.
class PathSample {
 public:
  explicit PathSample(size_t limit) : limit_(limit) {}

  void Add(const std::string& path) {
    ++count_;
    if (heap_.size() < limit_) {
      heap_.push(path);
    } else if (limit_ > 0 && path < heap_.top()) {
      heap_.pop();
      heap_.push(path);
    }
  }
  uint32_t count() const { return static_cast<uint32_t>(count_); }
  bool truncated() const { return count_ > heap_.size(); }

  void MoveSortedTo(google::protobuf::RepeatedPtrField<std::string>* out) {
    std::vector<std::string> paths;
    paths.reserve(heap_.size());
    for (; !heap_.empty(); heap_.pop()) paths.push_back(heap_.top());
    std::sort(paths.begin(), paths.end());
    for (auto& path : paths) *out->Add() = std::move(path);
  }

 private:
  size_t limit_;
  uint64_t count_ = 0;
  std::priority_queue<std::string> heap_;
};

// Whether `path` is one of `roots` or lies below one.
bool UnderAny(const std::unordered_set<std::string>& roots, const std::string& path) {
  if (roots.empty()) return false;
  for (std::string at = path;;) {
    if (roots.count(at)) return true;
    const size_t slash = at.rfind('/');
    if (slash == 0 || slash == std::string::npos) return at != "/" && roots.count("/");
    at.resize(slash);
  }
}

}  // namespace

Result<proto::BackupDiff> DiffSubtree(ZkClient& zk, ZNodeSource& backup,
                                      const std::string& live_root, size_t path_limit) {
  // Nodes the agent may not read are named, and what lies below them left out, rather than
  // failing the whole comparison.
  std::vector<std::string> denied;
  ASSIGN_OR_RETURN(LiveTree live, WalkLive(zk, live_root, /*with_data=*/false, &denied));
  std::unordered_set<std::string> unreadable(denied.begin(), denied.end());
  uint32_t not_compared = 0;
  PathSample created(path_limit), deleted(path_limit), data_changed(path_limit),
      acl_changed(path_limit);
  uint32_t unchanged = 0;
  // Nodes whose zxids differ from the backup's: their data is read and compared after the pass.
  struct Pending {
    std::string digest;  // the backup's
    bool acl_differs = false;
  };
  std::unordered_map<std::string, Pending> to_read;
  proto::ZNodeRecord record;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, backup.Next(&record));
    if (!more) break;
    if (!api::InSubtree(record.path(), live_root)) {
      return Corruption("the backup's records hold " + record.path() + ", outside " + live_root);
    }
    if (UnderAny(unreadable, record.path())) {
      ++not_compared;
      continue;
    }
    auto it = live.find(record.path());
    if (it == live.end()) {
      created.Add(record.path());
      continue;
    }
    LiveNode& node = it->second;
    node.seen = true;
    const bool acl_differs = node.acl != AclOf(record);
    if (acl_differs) acl_changed.Add(record.path());
    const bool same_data = node.czxid == record.czxid() && node.mzxid == record.mzxid();
    if (!same_data) {
      to_read[record.path()] = {
          backup.data_is_digest() ? record.data() : zkfmt::DataDigest(record.data()), acl_differs};
    } else if (!acl_differs) {
      ++unchanged;
    }
  }
  std::vector<std::string> paths;
  paths.reserve(to_read.size());
  for (const auto& [path, pending] : to_read) paths.push_back(path);
  std::vector<std::string> data_denied;
  ASSIGN_OR_RETURN(auto digests, ReadDigests(zk, paths, &data_denied));
  for (auto& path : data_denied) {
    ++not_compared;
    unreadable.insert(path);
    to_read.erase(path);
  }
  for (const auto& [path, pending] : to_read) {
    auto now = digests.find(path);
    if (now == digests.end() || now->second != pending.digest) {
      data_changed.Add(path);
    } else if (!pending.acl_differs) {
      ++unchanged;
    }
  }
  for (const auto& [path, node] : live) {
    if (!node.seen) deleted.Add(path);
  }
  proto::BackupDiff diff;
  diff.set_to(live_root);
  diff.set_created(created.count());
  diff.set_deleted(deleted.count());
  diff.set_data_changed(data_changed.count());
  diff.set_acl_changed(acl_changed.count());
  diff.set_unchanged(unchanged);
  diff.set_truncated(created.truncated() || deleted.truncated() || data_changed.truncated() ||
                     acl_changed.truncated());
  created.MoveSortedTo(diff.mutable_paths()->mutable_created());
  deleted.MoveSortedTo(diff.mutable_paths()->mutable_deleted());
  data_changed.MoveSortedTo(diff.mutable_paths()->mutable_data_changed());
  acl_changed.MoveSortedTo(diff.mutable_paths()->mutable_acl_changed());
  diff.set_unreadable(static_cast<uint32_t>(unreadable.size()));
  diff.set_not_compared(not_compared);
  PathSample unreadable_paths(path_limit);
  for (const auto& path : unreadable) unreadable_paths.Add(path);
  diff.set_truncated(diff.truncated() || unreadable_paths.truncated());
  unreadable_paths.MoveSortedTo(diff.mutable_paths()->mutable_unreadable());
  return diff;
}

}  // namespace lockstep::components
