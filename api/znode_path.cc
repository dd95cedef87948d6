#include "api/znode_path.h"

#include "common/strings.h"

namespace lockstep::api {

bool InSubtree(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root ||
         (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/');
}

Status CheckZnodePath(const std::string& path, const std::string& what) {
  auto refuse = [&](const std::string& rule) {
    return InvalidArgument(what + " '" + path + "' " + rule);
  };
  if (path.empty() || path[0] != '/') return refuse("must be an absolute znode path (/a/b)");
  if (path.size() > kMaxZnodePath) return refuse("is longer than 4096 bytes");
  if (path == "/") return Status::Ok();
  if (path.back() == '/') return refuse("must not end with '/'");
  if (path.find('\0') != std::string::npos) return refuse("must not hold a NUL byte");
  for (const auto& segment : SplitNonEmpty(path, '/')) {
    if (segment == "." || segment == "..") return refuse("must not hold '.' or '..'");
  }
  if (path.find("//") != std::string::npos) return refuse("must not hold an empty segment");
  return Status::Ok();
}

Status CheckRestorableSubtree(const std::string& path, const std::string& what) {
  RETURN_IF_ERROR(CheckZnodePath(path, what));
  if (path == "/") {
    return InvalidArgument(what +
                           " '/' is the whole tree: restore it with --component zookeeper "
                           "(the offline, cluster-wide restore)");
  }
  if (InSubtree(path, "/zookeeper") || InSubtree(path, "/lockstep")) {
    return InvalidArgument(what + " '" + path +
                           "' is ZooKeeper's or Lockstep's own subtree and is never restored "
                           "on its own");
  }
  return Status::Ok();
}

}  // namespace lockstep::api
