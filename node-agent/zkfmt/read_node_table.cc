#include "node-agent/zkfmt/read_node_table.h"

namespace lockstep::zkfmt {
namespace {

Status FirstFatal(const Problems& problems) {
  for (const auto& p : problems) {
    if (!p.fatal) continue;
    std::string message = p.file + ": " + p.message;
    if (!p.expected.empty() || !p.actual.empty()) {
      message += " (expected " + p.expected + ", found " + p.actual + ")";
    }
    return Corruption(message);
  }
  return Corruption("the files hold no restorable snapshot");
}

Status ReadSnapshotInto(const ScannedFile& snapshot, NodeTable* table) {
  ASSIGN_OR_RETURN(auto source, FileSource::Open(snapshot.file.path));
  SnapshotAclVisitor acls = [table](int64_t ref, AclList acl) {
    table->AddSnapshotAcl(ref, std::move(acl));
  };
  SnapshotDetailVisitor nodes = [table](const SnapshotNode& node) {
    table->AddSnapshotNode(node);
  };
  SnapshotReadOptions options;
  options.detail_visitor = &nodes;
  options.acl_visitor = &acls;
  ASSIGN_OR_RETURN(SnapshotSummary summary, ReadSnapshot(source.get(), snapshot.file.name, options));
  if (!summary.valid) return FirstFatal(summary.problems);
  return Status::Ok();
}

}  // namespace

Result<NodeTable> ReadNodeTable(const DataDirs& dirs, NodeTableOptions options) {
  ASSIGN_OR_RETURN(RestorableSet set, SelectRestorableSet(dirs));
  if (!set.valid()) return FirstFatal(set.problems);
  NodeTable table(std::move(options));
  RETURN_IF_ERROR(ReadSnapshotInto(*set.snapshot, &table));
  // As in the selection's replay: records the snapshot already holds (or a repeated zxid) are
  // skipped, so the table ends exactly at the set's last zxid.
  Zxid last = set.snapshot_zxid;
  TxnVisitor replay = [&](const TxnRecord& record) {
    if (record.zxid <= last) return;
    table.Apply(record);
    last = record.zxid;
  };
  for (const ScannedFile& log : set.logs) {
    ASSIGN_OR_RETURN(auto source, FileSource::Open(log.file.path));
    TxnLogReadOptions read;
    read.max_zxid = set.last_zxid;
    read.visitor = &replay;
    read.covered_through = set.snapshot_zxid;
    ASSIGN_OR_RETURN(TxnLogSummary summary, ReadTxnLog(source.get(), log.file.name, read));
    if (HasFatal(summary.problems)) return FirstFatal(summary.problems);
  }
  return table;
}

}  // namespace lockstep::zkfmt
