// Znode paths as operators give them (`backup diff --path`, `backup restore --path/--to`,
// component roots): absolute, no empty, "." or ".." segment, no trailing slash, at most
// kMaxZnodePath bytes. Subtrees that belong to ZooKeeper (/zookeeper) or to Lockstep itself
// (/lockstep) are never restored on their own.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace lockstep::api {

inline constexpr size_t kMaxZnodePath = 4096;

// True when `path` is `root` or lies under it ("/" holds everything).
bool InSubtree(const std::string& path, const std::string& root);

// InvalidArgument naming `what` (e.g. "--path") and the rule broken. "/" is a valid path.
Status CheckZnodePath(const std::string& path, const std::string& what);
// A subtree restorable on its own: a valid path, not "/", not in /zookeeper or /lockstep.
Status CheckRestorableSubtree(const std::string& path, const std::string& what);

}  // namespace lockstep::api
