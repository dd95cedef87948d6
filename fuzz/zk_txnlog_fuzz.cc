// ZooKeeper's transaction log format on arbitrary bytes: every record's header read and its body
// applied to a tree model, as the diff, spot restore and point-in-time paths consume a log.
#include "engine/zkfmt/tree_model.h"
#include "engine/zkfmt/txnlog.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lockstep::zkfmt;
  lockstep::fuzz::MemorySource source(data, size);
  TreeModel tree;
  TxnVisitor visit = [&tree](const TxnRecord& record) { tree.Apply(record); };
  TxnLogReadOptions options{.compute_sha256 = true, .visitor = &visit};
  (void)ReadTxnLog(&source, "input", options);
  return 0;
}
