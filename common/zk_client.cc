#include "common/zk_client.h"

#include <zookeeper/zookeeper.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "common/zk_internal.h"

namespace lockstep {
namespace {

using zk_internal::AclVector;
using zk_internal::FromStat;
using zk_internal::ZkError;

struct ConnectWait {
  std::mutex mu;
  std::condition_variable cv;
  bool connected = false;
  std::atomic<bool> expired{false};
  std::atomic<bool> live{false};
};

void Watcher(zhandle_t*, int type, int state, const char*, void* context) {
  if (type != ZOO_SESSION_EVENT || context == nullptr) return;
  auto* wait = static_cast<ConnectWait*>(context);
  std::lock_guard lock(wait->mu);
  if (state == ZOO_CONNECTED_STATE) wait->connected = true;
  wait->live = state == ZOO_CONNECTED_STATE;
  if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) wait->expired = true;
  wait->cv.notify_all();
}

// A one-shot data watch: calls the callback once, then frees itself.
void DataWatcher(zhandle_t*, int type, int, const char*, void* context) {
  auto* callback = static_cast<std::function<void()>*>(context);
  if (type == ZOO_SESSION_EVENT) return;  // connection changes re-fire nothing; keep waiting
  (*callback)();
  delete callback;
}

// One zoo_add_auth's answer.
struct AuthWait {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = ZOK;
};

void OnAuth(int rc, const void* data) {
  auto* wait = static_cast<AuthWait*>(const_cast<void*>(data));
  std::lock_guard lock(wait->mu);
  wait->rc = rc;
  wait->done = true;
  wait->cv.notify_all();
}

// Presents `auth` on the session and waits for ZooKeeper's verdict.
Status AddAuth(zhandle_t* handle, const ZkAuth& auth, std::chrono::milliseconds timeout) {
  auto wait = std::make_shared<AuthWait>();
  // The completion may run after a timeout here: it keeps its own reference alive until then.
  auto* kept = new std::shared_ptr<AuthWait>(wait);
  const int rc = zoo_add_auth(
      handle, auth.scheme.c_str(), auth.credential.data(), static_cast<int>(auth.credential.size()),
      [](int result, const void* data) {
        auto* owner = static_cast<std::shared_ptr<AuthWait>*>(const_cast<void*>(data));
        OnAuth(result, owner->get());
        delete owner;
      },
      kept);
  if (rc != ZOK) {
    delete kept;
    return Status(StatusCode::kUnavailable,
                  "ZooKeeper could not take the '" + auth.scheme + "' credentials: " + zerror(rc));
  }
  std::unique_lock lock(wait->mu);
  if (!wait->cv.wait_for(lock, timeout, [&] { return wait->done; })) {
    return Status(StatusCode::kUnavailable,
                  "ZooKeeper did not answer the '" + auth.scheme + "' credentials in time");
  }
  if (wait->rc != ZOK) {
    return Status(StatusCode::kUnavailable, "ZooKeeper refused the '" + auth.scheme +
                                                "' credentials (" + zerror(wait->rc) +
                                                "): check [zookeeper] auth_file");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ZkClient>> ZkClient::Connect(const std::string& hosts,
                                                    std::chrono::milliseconds timeout,
                                                    std::chrono::milliseconds session_timeout,
                                                    const std::vector<ZkAuth>& auth) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR); });
  // The watcher context must outlive the handle: it is owned by the client object.
  auto owned = std::make_unique<ConnectWait>();
  ConnectWait* context = owned.get();
  zhandle_t* handle = zookeeper_init(
      hosts.c_str(), Watcher, static_cast<int>(session_timeout.count()), nullptr, context, 0);
  if (handle == nullptr)
    return Status(StatusCode::kUnavailable, "cannot create a ZooKeeper handle for " + hosts);
  std::unique_lock lock(context->mu);
  if (!context->cv.wait_for(lock, timeout, [&] { return context->connected; })) {
    lock.unlock();
    zookeeper_close(handle);
    return Status(StatusCode::kUnavailable, "could not connect to ZooKeeper at " + hosts);
  }
  context->live = true;
  lock.unlock();
  std::unique_ptr<ZkClient> client(new ZkClient(handle));
  client->context_ =
      std::shared_ptr<void>(owned.release(), [](void* p) { delete static_cast<ConnectWait*>(p); });
  for (const ZkAuth& credentials : auth) {
    RETURN_IF_ERROR(AddAuth(handle, credentials, timeout));
  }
  return client;
}

ZkClient::~ZkClient() {
  // Closing first: the watcher may run until zookeeper_close returns.
  zookeeper_close(handle_);
  context_.reset();
}

int64_t ZkClient::session_id() const { return zoo_client_id(handle_)->client_id; }

bool ZkClient::expired() const { return static_cast<ConnectWait*>(context_.get())->expired; }
bool ZkClient::connected() const { return static_cast<ConnectWait*>(context_.get())->live; }

Status ZkClient::SetServers(const std::string& hosts) {
  const int rc = zoo_set_servers(handle_, hosts.c_str());
  if (rc == ZOK) return Status::Ok();
  return Status(StatusCode::kFailedPrecondition,
                "cannot point the ZooKeeper session at " + hosts + ": " + zerror(rc));
}

Result<bool> ZkClient::ExistsWatch(const std::string& path, std::function<void()> on_change) {
  auto* callback = new std::function<void()>(std::move(on_change));
  struct Stat stat {};
  int rc = zoo_wexists(handle_, path.c_str(), DataWatcher, callback, &stat);
  if (rc == ZOK) return true;
  if (rc == ZNONODE) return false;  // the watch is set all the same: it fires on creation
  delete callback;
  return ZkError("watch", path, rc);
}

Result<std::pair<std::string, ZkStat>> ZkClient::Create(const std::string& path,
                                                        const std::string& data,
                                                        const std::vector<ZkAcl>& acl,
                                                        CreateMode mode) {
  int flags = mode == CreateMode::kEphemeral              ? ZOO_EPHEMERAL
              : mode == CreateMode::kPersistentSequential ? ZOO_PERSISTENT_SEQUENTIAL
              : mode == CreateMode::kEphemeralSequential  ? ZOO_EPHEMERAL_SEQUENTIAL
                                                          : ZOO_PERSISTENT;
  AclVector acls(acl);
  std::string created(path.size() + 32, '\0');
  struct Stat stat {};
  int rc =
      zoo_create2(handle_, path.c_str(), data.data(), static_cast<int>(data.size()), &acls.vector,
                  flags, created.data(), static_cast<int>(created.size()), &stat);
  if (rc != ZOK) return ZkError("create", path, rc);
  created.resize(created.find('\0'));
  return std::make_pair(created, FromStat(stat));
}

Result<std::pair<std::string, ZkStat>> ZkClient::Get(const std::string& path) {
  std::string buffer(1 << 20, '\0');
  int length = static_cast<int>(buffer.size());
  struct Stat stat {};
  int rc = zoo_get(handle_, path.c_str(), 0, buffer.data(), &length, &stat);
  if (rc != ZOK) return ZkError("get", path, rc);
  buffer.resize(length < 0 ? 0 : static_cast<size_t>(length));
  return std::make_pair(buffer, FromStat(stat));
}

Result<std::vector<std::string>> ZkClient::Children(const std::string& path) {
  struct String_vector children {};
  int rc = zoo_get_children(handle_, path.c_str(), 0, &children);
  if (rc != ZOK) return ZkError("list", path, rc);
  std::vector<std::string> names(children.data, children.data + children.count);
  deallocate_String_vector(&children);
  return names;
}

Result<std::vector<ZkAcl>> ZkClient::GetAcl(const std::string& path) {
  struct ACL_vector acl {};
  struct Stat stat {};
  int rc = zoo_get_acl(handle_, path.c_str(), &acl, &stat);
  if (rc != ZOK) return ZkError("get ACL of", path, rc);
  std::vector<ZkAcl> result = zk_internal::FromAclVector(acl);
  deallocate_ACL_vector(&acl);
  return result;
}

Status ZkClient::Set(const std::string& path, const std::string& data) {
  int rc = zoo_set(handle_, path.c_str(), data.data(), static_cast<int>(data.size()), -1);
  return rc == ZOK ? Status::Ok() : ZkError("set", path, rc);
}

Status ZkClient::Delete(const std::string& path) {
  int rc = zoo_delete(handle_, path.c_str(), -1);
  return rc == ZOK ? Status::Ok() : ZkError("delete", path, rc);
}

std::vector<ZkAcl> ZkClient::OpenAcl() { return {{ZOO_PERM_ALL, "world", "anyone"}}; }
std::vector<ZkAcl> ZkClient::ReadOnlyAcl() { return {{ZOO_PERM_READ, "world", "anyone"}}; }

}  // namespace lockstep
