#include "engine/zkfmt/read_node_table.h"

namespace lockstep::zkfmt {
namespace {

// Why a set or file that is not valid can't be read: its first fatal problem.
Status Unreadable(const Problems& problems) {
  Status fatal = FirstFatal(problems);
  return fatal.ok() ? Corruption("the files hold no restorable snapshot") : fatal;
}

Status ReadSnapshotInto(const ScannedFile& snapshot, NodeTable* table) {
  ASSIGN_OR_RETURN(auto source, FileSource::Open(snapshot.file.path));
  SnapshotAclVisitor acls = [table](int64_t ref, AclList acl) {
    table->AddSnapshotAcl(ref, std::move(acl));
  };
  SnapshotDetailVisitor nodes = [table](const SnapshotNode& node) { table->AddSnapshotNode(node); };
  SnapshotReadOptions options;
  options.detail_visitor = &nodes;
  options.acl_visitor = &acls;
  ASSIGN_OR_RETURN(SnapshotSummary summary,
                   ReadSnapshot(source.get(), snapshot.file.name, options));
  if (!summary.valid) return Unreadable(summary.problems);
  return Status::Ok();
}

}  // namespace

Result<NodeTable> ReadNodeTable(const DataDirs& dirs, NodeTableOptions options) {
  ASSIGN_OR_RETURN(RestorableSet set, SelectRestorableSet(dirs));
  if (!set.valid()) return Unreadable(set.problems);
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
    RETURN_IF_ERROR(FirstFatal(summary.problems));
  }
  return table;
}

}  // namespace lockstep::zkfmt
