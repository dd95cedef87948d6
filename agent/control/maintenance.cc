#include "agent/control/maintenance.h"

#include <unistd.h>

#include <cerrno>

#include "common/clock.h"
#include "common/file.h"

namespace lockstep::agent {

MaintenanceFlag::MaintenanceFlag(std::string store_dir) : path_(store_dir + "/maintenance") {}

bool MaintenanceFlag::IsSet() const { return access(path_.c_str(), F_OK) == 0; }

Status MaintenanceFlag::Set(const std::string& reason) {
  return WriteFileAtomically(path_, UtcTimestamp() + " " + reason + "\n", kPrivateFile);
}

Status MaintenanceFlag::Clear() {
  if (unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError("cannot remove maintenance flag", path_, errno);
  }
  return Status::Ok();
}

}  // namespace lockstep::agent
