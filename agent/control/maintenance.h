// Node maintenance: a ZooKeeper server stopped on purpose stays stopped until started again,
// across agent restarts. The flag is a file in the store directory holding who asked and why.
#pragma once

#include <string>

#include "common/status.h"

namespace lockstep::agent {

class MaintenanceFlag {
 public:
  explicit MaintenanceFlag(std::string store_dir);
  bool IsSet() const;
  Status Set(const std::string& reason);
  Status Clear();

 private:
  std::string path_;
};

}  // namespace lockstep::agent
