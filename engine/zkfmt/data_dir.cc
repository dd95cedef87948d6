#include "engine/zkfmt/data_dir.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "engine/zkfmt/snapshot.h"
#include "engine/zkfmt/tree_model.h"
#include "engine/zkfmt/txnlog.h"

namespace lockstep::zkfmt {
namespace fs = std::filesystem;

Result<std::vector<ZkFile>> ListZkFiles(const std::string& dir, FileRole role) {
  std::vector<ZkFile> files;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return files;
  const std::string prefix = role == FileRole::kSnapshot ? "snapshot." : "log.";
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix) || !entry.is_regular_file()) continue;
    // Compressed snapshots (snapshot.<zxid>.gz / .snappy) are listed so they can be refused.
    std::string rest = name.substr(prefix.size());
    std::string hex = rest.substr(0, rest.find('.'));
    std::optional<Zxid> zxid = ParseHexZxid(hex);
    if (!zxid) continue;
    files.push_back({entry.path().string(), name, role, *zxid});
  }
  if (ec) return IoError("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const ZkFile& a, const ZkFile& b) { return a.zxid < b.zxid; });
  return files;
}

namespace {

Result<ScannedFile> ScanSnapshot(const ZkFile& file, const ScanOptions& options, TreeModel* tree,
                                 Problems* problems) {
  ASSIGN_OR_RETURN(auto source, FileSource::Open(file.path));
  SnapshotNodeVisitor visitor = [tree](const std::string& path, int64_t owner) {
    tree->AddSnapshotNode(path, owner);
  };
  SnapshotReadOptions read_options{options.compute_sha256, &visitor};
  ASSIGN_OR_RETURN(SnapshotSummary summary, ReadSnapshot(source.get(), file.name, read_options));
  problems->insert(problems->end(), summary.problems.begin(), summary.problems.end());
  ScannedFile scanned{file,           summary.size, summary.node_count, file.zxid, file.zxid,
                      summary.sha256, false,        summary.valid};
  return scanned;
}

// Continuity across the selected logs: replay starts at snapshot_zxid + 1 and every record after
// it must follow its predecessor (or open a newer epoch).
class ReplayChecker {
 public:
  ReplayChecker(Zxid snapshot_zxid, TreeModel* tree, Problems* problems)
      : last_(snapshot_zxid), tree_(tree), problems_(problems) {}

  void operator()(const std::string& name, const TxnRecord& record) {
    if (record.zxid <= last_) return;  // already in the snapshot (fuzzy snapshots overlap logs)
    bool follows = record.zxid == last_ + 1 || ZxidEpoch(record.zxid) > ZxidEpoch(last_);
    if (!follows) {
      problems_->push_back({name, record.offset,
                            "transactions are missing before this record (is an older log file "
                            "missing?)",
                            FormatZxid(last_ + 1), FormatZxid(record.zxid), true});
    }
    tree_->Apply(record);
    last_ = record.zxid;
  }
  Zxid last() const { return last_; }

 private:
  Zxid last_;
  TreeModel* tree_;
  Problems* problems_;
};

// The logs to replay from `snapshot_zxid`: all starting after it and the last one starting at or
// before it.
std::vector<ZkFile> LogsFrom(const std::vector<ZkFile>& logs, Zxid snapshot_zxid) {
  std::vector<ZkFile> chosen;
  for (size_t i = 0; i < logs.size(); ++i) {
    bool starts_after = logs[i].zxid > snapshot_zxid;
    bool last_before = !starts_after && (i + 1 == logs.size() || logs[i + 1].zxid > snapshot_zxid);
    if (starts_after || last_before) chosen.push_back(logs[i]);
  }
  return chosen;
}

// A file listed for the report but not read.
ScannedFile Unread(const ZkFile& file) {
  ScannedFile scanned;
  scanned.file = file;
  std::error_code ec;
  scanned.size = fs::file_size(file.path, ec);
  scanned.checked = false;
  return scanned;
}

}  // namespace

Status SelectSnapshot(const DataDirs& dirs, const ScanOptions& options, TreeModel* tree,
                      RestorableSet* set) {
  ASSIGN_OR_RETURN(std::vector<ZkFile> snapshots,
                   ListZkFiles(dirs.SnapshotDir(), FileRole::kSnapshot));
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    if (set->snapshot || (options.max_zxid && it->zxid > *options.max_zxid)) {
      set->skipped.push_back(Unread(*it));
      continue;
    }
    Problems problems;
    TreeModel candidate;
    ASSIGN_OR_RETURN(ScannedFile scanned, ScanSnapshot(*it, options, &candidate, &problems));
    if (!scanned.valid) {
      for (auto& p : problems) p.fatal = false;  // an older snapshot may still serve
      set->problems.insert(set->problems.end(), problems.begin(), problems.end());
      set->skipped.push_back(scanned);
      continue;
    }
    scanned.selected = true;
    set->snapshot = scanned;
    set->snapshot_zxid = it->zxid;
    *tree = std::move(candidate);
  }
  if (!set->snapshot) {
    set->problems.push_back({dirs.SnapshotDir(), 0,
                             "no valid snapshot: ZooKeeper cannot start from these files", "", "",
                             true});
  }
  return Status::Ok();
}

Status SelectLogs(const DataDirs& dirs, const ScanOptions& options, TreeModel* tree,
                  RestorableSet* set) {
  ASSIGN_OR_RETURN(std::vector<ZkFile> logs, ListZkFiles(dirs.LogDir(), FileRole::kTxnLog));
  std::vector<ZkFile> chosen = LogsFrom(logs, set->snapshot_zxid);
  ReplayChecker replay(set->snapshot_zxid, tree, &set->problems);
  bool reached_cut = false;
  for (const ZkFile& log : chosen) {
    if (reached_cut) break;  // everything further is beyond max_zxid
    ASSIGN_OR_RETURN(auto source, FileSource::Open(log.path));
    TxnVisitor visitor = [&](const TxnRecord& record) { replay(log.name, record); };
    TxnLogReadOptions read_options{.max_zxid = options.max_zxid,
                                   .compute_sha256 = options.compute_sha256,
                                   .visitor = &visitor,
                                   .covered_through = set->snapshot_zxid};
    ASSIGN_OR_RETURN(TxnLogSummary summary, ReadTxnLog(source.get(), log.name, read_options));
    set->problems.insert(set->problems.end(), summary.problems.begin(), summary.problems.end());
    reached_cut = summary.cut;
    set->logs.push_back({log, summary.data_size, summary.record_count, summary.first_zxid,
                         summary.last_zxid, summary.sha256, true, summary.valid});
  }
  for (const ZkFile& log : logs) {
    bool used = std::any_of(set->logs.begin(), set->logs.end(),
                            [&](const ScannedFile& f) { return f.file.path == log.path; });
    if (!used) set->skipped.push_back(Unread(log));
  }
  set->last_zxid = std::max(set->snapshot_zxid, replay.last());
  set->node_count = tree->node_count();
  return Status::Ok();
}

Result<RestorableSet> SelectRestorableSet(const DataDirs& dirs, const ScanOptions& options) {
  RestorableSet set;
  TreeModel tree;
  RETURN_IF_ERROR(SelectSnapshot(dirs, options, &tree, &set));
  if (set.snapshot) RETURN_IF_ERROR(SelectLogs(dirs, options, &tree, &set));
  return set;
}

}  // namespace lockstep::zkfmt
