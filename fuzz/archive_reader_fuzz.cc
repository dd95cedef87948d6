// A backup archive (tar + zstd, perhaps inside age, with its manifest and ZooKeeper files) on
// arbitrary bytes, read the way an import or a replica check reads it: every entry, the
// manifest, the snapshot and logs parsed, nothing written outside the scratch directory.
#include "engine/datadir/inspect_archive.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lockstep;
  fuzz::InputFile input(data, size);
  (void)datadir::InspectArchive(input.path(), fuzz::ScratchDir(), {fuzz::FuzzIdentity()});
  return 0;
}
