// Restore ids: "restore-<UTC time>-<uuid4>". They follow the backup-id rule (so the same check
// keeps them out of paths) and sort by time, which names the rollback directories in order.
#pragma once

#include <string>

#include "common/status.h"

namespace lockstep::coordinator {

std::string NewRestoreId();
Status CheckRestoreId(const std::string& id);

}  // namespace lockstep::coordinator
