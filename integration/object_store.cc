#include "integration/object_store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "common/process.h"

namespace lockstep::integration {
namespace fs = std::filesystem;
namespace {

// A free TCP port on `host` (bound and released). The harness has the same helper; this library
// stays apart from it so S3 tests don't build the agent.
uint16_t PickFreePort(const std::string& host) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WritePrivateFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot write", path, errno);
  ::fchmod(fd, 0600);  // an existing file keeps its mode through O_CREAT
  const ssize_t written = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) return ErrnoError("cannot write", path, errno);
  return Status::Ok();
}

// The server's command line; both kinds take the same arguments.
std::vector<std::string> ServerCommand(const ObjectStoreOptions& options, const std::string& data) {
  std::vector<std::string> argv =
      options.kind == ObjectStoreKind::kSwift
          ? std::vector<std::string>{"/usr/bin/python3",
                                     LOCKSTEP_SOURCE_DIR "/tools/swift/swift-s3.py"}
          : std::vector<std::string>{"/usr/bin/node",
                                     LOCKSTEP_SOURCE_DIR "/tools/s3/signing-proxy.js"};
  argv.insert(argv.end(), {"--directory", data, "--address", options.host, "--port",
                           std::to_string(options.port), "--access-key", options.access_key,
                           "--secret-key", options.secret_key, "--region", options.region});
  return argv;
}

// Swift keeps an object in OBJECTS/PART/SUFFIX/HASH/TIMESTAMP.data with its metadata, the
// object's path among it, pickled in the extended attribute user.swift.metadata.
Result<std::string> SwiftDataFileOf(const std::string& objects, const std::string& path) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(objects, error), end; it != end; it.increment(error)) {
    if (error) break;
    if (it->path().extension() != ".data") continue;
    char metadata[4096];
    const ssize_t size =
        ::getxattr(it->path().c_str(), "user.swift.metadata", metadata, sizeof metadata);
    if (size > 0 && std::string_view(metadata, static_cast<size_t>(size)).find(path) !=
                        std::string_view::npos) {
      return it->path().string();
    }
  }
  return Status(StatusCode::kNotFound, "no Swift object file under " + objects + " holds " + path);
}

}  // namespace

ObjectStoreKind ObjectStoreKindFromEnvironment() {
  const char* value = std::getenv("LOCKSTEP_OBJECT_STORE");
  const std::string kind = value ? value : "";
  if (kind.empty() || kind == "s3rver") return ObjectStoreKind::kS3rver;
  if (kind == "swift") return ObjectStoreKind::kSwift;
  std::fprintf(stderr, "LOCKSTEP_OBJECT_STORE is '%s': expected s3rver or swift\n", kind.c_str());
  std::exit(2);
}

const char* ObjectStoreKindName(ObjectStoreKind kind) {
  return kind == ObjectStoreKind::kSwift ? "swift" : "s3rver";
}

ObjectStore::ObjectStore(ObjectStoreOptions options) : options_(std::move(options)) {
  if (options_.port == 0) options_.port = PickFreePort(options_.host);
  if (options_.access_key.empty()) {
    options_.access_key =
        options_.kind == ObjectStoreKind::kSwift ? "lockstep:tester" : "LOCKSTEPTESTKEY0001";
  }
  log_ = options_.work_dir + "/s3.log";
}

ObjectStore::~ObjectStore() {
  if (pid_ > 0 && !options_.detached) {
    ::kill(pid_, SIGKILL);
    (void)WaitForExit(pid_, std::chrono::seconds(10));
  }
}

std::string ObjectStore::endpoint() const {
  return "http://" + options_.host + ":" + std::to_string(options_.port);
}

Status ObjectStore::Start(std::chrono::milliseconds timeout) {
  const std::string data = options_.work_dir + "/data";
  fs::create_directories(data);
  const std::vector<std::string> argv = ServerCommand(options_, data);
  // A fresh log each start: the readiness line of an earlier run must not count.
  fs::remove(log_ + ".previous");
  if (fs::exists(log_)) fs::rename(log_, log_ + ".previous");
  ASSIGN_OR_RETURN(
      pid_, SpawnProcess(argv, {.output_file = log_, .die_with_parent = !options_.detached}));
  if (options_.detached) {
    RETURN_IF_ERROR(WritePrivateFile(options_.work_dir + "/s3.pid", std::to_string(pid_) + "\n"));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (ReadFile(log_).find("ready on") == std::string::npos) {
    if (auto ended = TryReap(pid_)) {
      pid_ = -1;
      return Status(StatusCode::kUnavailable,
                    std::string("the S3 test server (") + ObjectStoreKindName(options_.kind) +
                        ") ended (" + *ended + "); see " + log_ + " (run scripts/setup?)");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status(StatusCode::kUnavailable, "the S3 test server did not start; see " + log_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSIGN_OR_RETURN(s3::S3Client client, s3::S3Client::Create(ClientOptions()));
  Status created = client.CreateBucket();
  // Started again on the same data (a test's "store back up"): the bucket is there already.
  if (!created.ok() && (created.message().find("BucketAlreadyOwnedByYou") != std::string::npos ||
                        created.message().find("BucketAlreadyExists") != std::string::npos)) {
    return Status::Ok();
  }
  return created;
}

Status ObjectStore::Stop() {
  if (pid_ <= 0) return Status::Ok();
  ::kill(pid_, SIGTERM);
  if (!WaitForExit(pid_, std::chrono::seconds(10))) {
    ::kill(pid_, SIGKILL);
    (void)WaitForExit(pid_, std::chrono::seconds(10));
  }
  pid_ = -1;
  return Status::Ok();
}

Status ObjectStore::StopDir(const std::string& work_dir) {
  const std::string pid_file = work_dir + "/s3.pid";
  const pid_t pid = static_cast<pid_t>(std::atol(ReadFile(pid_file).c_str()));
  if (pid <= 0 || !ProcessAlive(pid)) return Status::Ok();
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ProcessAlive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (ProcessAlive(pid)) ::kill(pid, SIGKILL);
  fs::remove(pid_file);
  return Status::Ok();
}

s3::S3ClientOptions ObjectStore::ClientOptions(const std::string& prefix) const {
  s3::S3ClientOptions client;
  client.location = {endpoint(), options_.region, options_.bucket, prefix, false};
  client.credentials = {options_.access_key, options_.secret_key, ""};
  return client;
}

Status ObjectStore::WriteCredentialsFile(const std::string& path) const {
  return WritePrivateFile(path, "[default]\naws_access_key_id = " + options_.access_key +
                                    "\naws_secret_access_key = " + options_.secret_key + "\n");
}

Result<std::string> ObjectStore::DamageStoredObject(const std::string& key) const {
  const std::string data = options_.work_dir + "/data/";
  std::string file = data + options_.bucket + "/" + key + "._S3rver_object";
  if (options_.kind == ObjectStoreKind::kSwift) {
    ASSIGN_OR_RETURN(file,
                     SwiftDataFileOf(data + "srv/d1/objects", "/" + options_.bucket + "/" + key));
  }
  std::string bytes = ReadFile(file);
  if (bytes.empty()) return Status(StatusCode::kNotFound, "nothing stored in " + file);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out.flush()) return Status(StatusCode::kInternal, "cannot rewrite " + file);
  return file;
}

Status ObjectStore::WriteS3cmdConfig(const std::string& path) const {
  const std::string host = options_.host + ":" + std::to_string(options_.port);
  return WritePrivateFile(path, "[default]\naccess_key = " + options_.access_key +
                                    "\nsecret_key = " + options_.secret_key +
                                    "\nhost_base = " + host + "\nhost_bucket = " + host +
                                    "\nbucket_location = " + options_.region +
                                    "\nuse_https = False\nsignature_v2 = False\n");
}

}  // namespace lockstep::integration
