// The JSON records masters and the bucket exchange: a catalog record and a segment record, as
// a master reads them from a peer or the bucket (strict parse, then the checks that follow).
#include "api/names.h"
#include "engine/archiving/segment_store.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lockstep;
  const std::string text(reinterpret_cast<const char*>(data), size);
  proto::Backup backup;
  if (proto::FromJson(text, &backup, true).ok()) {
    (void)api::CheckBackupId(backup.id());
    (void)proto::ToJson(backup);
  }
  proto::ArchiveSegment segment;
  if (proto::FromJson(text, &segment, true).ok()) {
    (void)archiving::SegmentOf(segment);
    (void)proto::ToJson(segment);
  }
  return 0;
}
