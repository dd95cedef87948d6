// ZooKeeper's snapshot format on arbitrary bytes: every node and ACL visited, the digest kept.
#include "engine/zkfmt/snapshot.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lockstep::zkfmt;
  lockstep::fuzz::MemorySource source(data, size);
  SnapshotDetailVisitor details = [](const SnapshotNode&) {};
  SnapshotAclVisitor acls = [](int64_t, AclList) {};
  SnapshotReadOptions options{
      .compute_sha256 = true, .detail_visitor = &details, .acl_visitor = &acls};
  (void)ReadSnapshot(&source, "input", options);
  return 0;
}
