#include "coordinator/restore_ids.h"

#include "common/clock.h"
#include "coordinator/labels.h"

namespace lockstep::coordinator {

std::string NewRestoreId() { return NewBackupId("restore-" + FormatUtcNow("%Y%m%dT%H%M%SZ")); }

Status CheckRestoreId(const std::string& id) {
  if (!id.starts_with("restore-")) {
    return InvalidArgument("restore id '" + id + "' does not start with 'restore-'");
  }
  return CheckBackupId(id);
}

}  // namespace lockstep::coordinator
