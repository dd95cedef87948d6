#include "integration/mini_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/master/masters_view.h"
#include "api/token.h"
#include "common/file.h"
#include "common/http/tls.h"
#include "common/process.h"
#include "engine/zk/server_guard.h"
#include "integration/harness.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::integration {
namespace fs = std::filesystem;
namespace {

constexpr auto kStopTimeout = std::chrono::seconds(30);

std::string AgentBinary() {
  if (const char* path = getenv("LOCKSTEP_AGENT")) return path;
  return LOCKSTEP_AGENT_PATH;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : raw) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

bool PortFree(const std::string& host, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  addr.sin_port = htons(port);
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return free;
}

// True once `pid` has ended: reaped when it is our child, vanished (or a zombie) otherwise.
bool Ended(pid_t pid) {
  std::optional<std::string> how = TryReap(pid);
  if (how && *how != "gone") return true;
  return !ProcessAlive(pid);
}

// SIGTERM, then SIGKILL after `grace`.
void EndProcess(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0 || Ended(pid)) return;
  kill(pid, SIGCONT);  // a paused process can't act on SIGTERM
  kill(pid, SIGTERM);
  if (!WaitFor([&] { return Ended(pid); }, grace)) {
    kill(pid, SIGKILL);
    WaitFor([&] { return Ended(pid); }, std::chrono::seconds(10));
  }
}

pid_t ReadPid(const std::string& path) {
  Result<std::string> text = ReadSmallFile(path, 64);
  return text.ok() ? static_cast<pid_t>(std::atoi(text->c_str())) : 0;
}

// Kills every ZooKeeper server configured on dirs under `dir` (left by a SIGKILLed agent).
void KillServersUnder(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string data = entry.path().string() + "/zk/data";
    if (!fs::exists(data)) continue;
    while (auto server = zk::ServerConfiguredOn({data})) {
      kill(server->pid, SIGKILL);
      WaitFor([&] { return !ProcessAlive(server->pid); }, std::chrono::seconds(10));
    }
  }
}

}  // namespace

MiniClusterOptions MiniClusterOptions::WithFreePorts(std::string dir, int masters) {
  MiniClusterOptions options;
  options.dir = std::move(dir);
  options.masters = masters;
  std::vector<uint16_t> ports;
  while (ports.size() < 4) {
    uint16_t candidate = FreePort("127.0.1.1");
    bool everywhere = candidate != 0;
    for (int i = 1; i <= masters && everywhere; ++i) {
      everywhere = PortFree("127.0.1." + std::to_string(i), candidate);
    }
    for (uint16_t taken : ports) everywhere = everywhere && taken != candidate;
    if (everywhere) ports.push_back(candidate);
  }
  options.zk_client_port = ports[0];
  options.zk_quorum_port = ports[1];
  options.zk_election_port = ports[2];
  options.agent_port = ports[3];
  return options;
}

MiniCluster::MiniCluster(MiniClusterOptions options) : options_(std::move(options)) {}

MiniCluster::~MiniCluster() {
  if (!detached_ && up_) (void)Down();
}

std::string MiniCluster::name(int i) const { return "m" + std::to_string(i); }
std::string MiniCluster::host(int i) const {
  return networks_ ? networks_->Host(i) : "127.0.1." + std::to_string(i);
}
std::string MiniCluster::url(int i) const {
  return (options_.tls ? "https://" : "http://") + host(i) + ":" +
         std::to_string(options_.agent_port);
}
std::string MiniCluster::urls() const {
  std::string all;
  for (int i = 1; i <= masters(); ++i) all += (i > 1 ? "," : "") + url(i);
  return all;
}

std::string MiniCluster::zk_endpoint(int i) const {
  return host(i) + ":" + std::to_string(options_.zk_client_port);
}
std::string MiniCluster::zk_connect() const {
  std::string all;
  for (int i = 1; i <= masters(); ++i) all += (i > 1 ? "," : "") + zk_endpoint(i);
  return all;
}
namespace {
std::string TokenIn(const std::string& path) {
  Result<std::string> token = api::LoadToken(path);
  return token.ok() ? *token : "";
}
}  // namespace

std::string MiniCluster::token_file() const { return options_.dir + "/token"; }
std::string MiniCluster::token() const { return TokenIn(token_file()); }
std::string MiniCluster::viewer_token_file() const { return options_.dir + "/viewer-token"; }
std::string MiniCluster::viewer_token() const { return TokenIn(viewer_token_file()); }
std::string MiniCluster::operator_token_file() const { return options_.dir + "/operator-token"; }
std::string MiniCluster::operator_token() const { return TokenIn(operator_token_file()); }
std::string MiniCluster::cluster_token_file() const { return options_.dir + "/cluster-token"; }
std::string MiniCluster::cluster_token() const { return TokenIn(cluster_token_file()); }
std::string MiniCluster::tokens_file() const { return options_.dir + "/tokens.toml"; }
http::ClientTlsFiles MiniCluster::ClientTls() const {
  http::ClientTlsFiles files{.ca_file = ca_file()};
  if (options_.client_certs) {
    files.cert_file = options_.dir + "/tls/cert.pem";
    files.key_file = options_.dir + "/tls/key.pem";
  }
  return files;
}

std::string MiniCluster::ca_file() const {
  return options_.tls ? options_.dir + "/tls/cert.pem" : "";
}
std::string MiniCluster::master_dir(int i) const { return options_.dir + "/" + name(i); }
std::string MiniCluster::zoo_cfg(int i) const { return master_dir(i) + "/zoo.cfg"; }

std::string MiniCluster::ZooCfgText(int i) const {
  std::ostringstream cfg;
  cfg << "tickTime=2000\ninitLimit=10\nsyncLimit=5\n"
      << "dataDir=" << master_dir(i) << "/zk/data\n"
      << "dataLogDir=" << master_dir(i) << "/zk/datalog\n"
      << "clientPort=" << options_.zk_client_port << "\n"
      << "clientPortAddress=" << host(i) << "\n"
      << "4lw.commands.whitelist=*\nadmin.enableServer=false\nmaxClientCnxns=0\n";
  if (masters() > 1) {
    for (int j = 1; j <= masters(); ++j) {
      cfg << "server." << j << "=" << host(j) << ":" << options_.zk_quorum_port << ":"
          << options_.zk_election_port << "\n";
    }
  }
  return cfg.str();
}

std::string MiniCluster::AgentToml(int i) const {
  std::ostringstream toml;
  const std::string dir = master_dir(i);
  toml << "name = \"" << name(i) << "\"\n"
       << "listen = \"" << host(i) << ":" << options_.agent_port << "\"\n"
       << "advertise = \"" << url(i) << "\"\n"
       << "zoo_cfg = \"" << zoo_cfg(i) << "\"\n"
       << "store_dir = \"" << dir << "/store\"\n"
       << "tokens_file = \"" << tokens_file() << "\"\n"
       << "cluster_token_file = \"" << cluster_token_file() << "\"\n"
       << "probe_interval_ms = " << options_.probe_interval.count() << "\n"
       << "peer_timeout_ms = " << options_.peer_timeout.count() << "\n"
       << "request_timeout_ms = " << options_.request_timeout.count() << "\n"
       << "lock_lease_ms = " << options_.lock_lease.count() << "\n"
       << "restore_start_timeout_ms = " << options_.restore_start_timeout.count() << "\n"
       << "restore_compact_min_log_mb = " << options_.restore_compact_min_log_mb << "\n"
       << "allow_crash_points = " << (options_.allow_crash_points ? "true" : "false") << "\n"
       << "identities_over_http = " << (options_.identities_over_http ? "true" : "false") << "\n";
  for (int j = 1; j <= masters(); ++j) {
    if (j == i) continue;
    toml << "\n[[peers]]\nname = \"" << name(j) << "\"\nurl = \"" << url(j) << "\"\n";
  }
  if (options_.tls) {
    toml << "\n[tls]\ncert_file = \"" << options_.dir << "/tls/cert.pem\"\n"
         << "key_file = \"" << options_.dir << "/tls/key.pem\"\n"
         << "ca_file = \"" << ca_file() << "\"\n";
    if (options_.client_certs) {
      toml << "client_ca_file = \"" << ca_file() << "\"\n"
           << "client_cert_file = \"" << options_.dir << "/tls/cert.pem\"\n"
           << "client_key_file = \"" << options_.dir << "/tls/key.pem\"\n";
    }
  }
  toml << "\n[controller]\nbackend = \"process\"\n\n[controller.process]\n"
       << "java = \"" << options_.java << "\"\n"
       << "heap = \"" << options_.heap_mb << "m\"\n"
       << "jvm_flags = [\"-Dzookeeper.snapCount=" << options_.snap_count << "\"";
  for (const auto& flag : options_.zk_jvm_flags) toml << ", \"" << flag << "\"";
  toml << "]\n"
       << "log_file = \"" << dir << "/zookeeper.out\"\n"
       << "restart_backoff_min_ms = 500\n";
  toml << "\n[archiving]\nenabled = " << (options_.archiving ? "true" : "false") << "\n"
       << "interval_ms = " << options_.archive_interval.count() << "\n";
  toml << "\n[ui]\nenabled = " << (options_.console ? "true" : "false") << "\n";
  toml << options_.extra_agent_toml;
  return toml.str();
}

Status MiniCluster::WriteTls() {
  fs::create_directories(options_.dir + "/tls");
  std::string san = "subjectAltName=";
  for (int i = 1; i <= masters(); ++i) san += (i > 1 ? ",IP:" : "IP:") + host(i);
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=lockstep-sandbox "
      "-addext '" +
      san + "' -keyout '" + options_.dir + "/tls/key.pem' -out '" + options_.dir + "/tls/cert.pem'";
  ASSIGN_OR_RETURN(CommandResult made, RunShellCommand(command, std::chrono::seconds(30)));
  if (made.exit_code != 0) return Internal("openssl failed: " + made.output);
  return Status::Ok();
}

namespace {
// A new random token in `path`, 0600, unless the file exists (a sandbox started again keeps its
// tokens).
Status WriteToken(const std::string& path) {
  if (fs::exists(path)) return Status::Ok();
  return WriteFileAtomically(path, RandomHex(32) + "\n", kPrivateFile);
}
}  // namespace

// The agents' tokens file (agent/config/tokens_file.h): the admin, viewer and operator
// tokens.
Status MiniCluster::WriteTokens() {
  RETURN_IF_ERROR(WriteToken(token_file()));
  RETURN_IF_ERROR(WriteToken(viewer_token_file()));
  RETURN_IF_ERROR(WriteToken(operator_token_file()));
  RETURN_IF_ERROR(WriteToken(cluster_token_file()));
  std::ostringstream tokens;
  tokens << "[[tokens]]\nname = \"admin\"\nrole = \"admin\"\ntoken = \"" << token() << "\"\n"
         << "\n[[tokens]]\nname = \"viewer\"\nrole = \"viewer\"\ntoken = \"" << viewer_token()
         << "\"\n"
         << "\n[[tokens]]\nname = \"deployer\"\nrole = \"operator\"\ntoken = \"" << operator_token()
         << "\"\n";
  return WriteFileAtomically(tokens_file(), tokens.str(), kPrivateFile);
}

Status MiniCluster::WriteFiles() {
  fs::create_directories(options_.dir);
  RETURN_IF_ERROR(WriteTokens());
  if (options_.tls && !fs::exists(ca_file())) RETURN_IF_ERROR(WriteTls());
  for (int i = 1; i <= masters(); ++i) {
    if (i == options_.small_disk_master) RETURN_IF_ERROR(MountSmallDisk(i));
    fs::create_directories(master_dir(i) + "/zk/data");
    fs::create_directories(master_dir(i) + "/zk/datalog");
    fs::create_directories(master_dir(i) + "/store");
    RETURN_IF_ERROR(WriteFileAtomically(master_dir(i) + "/zk/data/myid", std::to_string(i) + "\n"));
    RETURN_IF_ERROR(WriteFileAtomically(zoo_cfg(i), ZooCfgText(i)));
    RETURN_IF_ERROR(WriteFileAtomically(master_dir(i) + "/agent.toml", AgentToml(i)));
  }
  std::ostringstream env;
  env << "LOCKSTEP_CLUSTER=" << urls() << "\nLOCKSTEP_TOKEN_FILE=" << token_file()
      << "\nLOCKSTEP_VIEWER_TOKEN_FILE=" << viewer_token_file() << "\nLOCKSTEP_ZK=" << zk_connect()
      << "\n";
  if (options_.tls) env << "LOCKSTEP_CA_FILE=" << ca_file() << "\n";
  if (options_.client_certs) {
    env << "LOCKSTEP_CLIENT_CERT=" << options_.dir << "/tls/cert.pem\n"
        << "LOCKSTEP_CLIENT_KEY=" << options_.dir << "/tls/key.pem\n";
  }
  env << options_.extra_env;
  return WriteFileAtomically(options_.dir + "/cluster.env", env.str());
}

Status MiniCluster::StartStoppedAgents() {
  for (int i = 1; i <= masters(); ++i) {
    if (!AgentAlive(i)) RETURN_IF_ERROR(StartAgent(i));
  }
  return Status::Ok();
}

Status MiniCluster::StartAgent(int i) {
  if (agent_pids_[i - 1] > 0) TryReap(agent_pids_[i - 1]);  // a crashed agent's zombie
  std::vector<std::string> argv = {AgentBinary(), "--config", master_dir(i) + "/agent.toml"};
  if (networks_) argv = networks_->InNamespace(i, std::move(argv));  // its server inherits it
  ASSIGN_OR_RETURN(pid_t pid, SpawnProcess(argv, {.output_file = master_dir(i) + "/agent.log"}));
  agent_pids_[i - 1] = pid;
  return WriteFileAtomically(master_dir(i) + "/agent.pid", std::to_string(pid) + "\n");
}

Status MiniCluster::UpWithCoordinator() {
  RETURN_IF_ERROR(Up());
  if (!WaitFor([this] { return CoordinatorIndex() != 0; }, std::chrono::seconds(30))) {
    return Status(StatusCode::kUnavailable,
                  "the sandbox serves but elected no coordinator within "
                  "30 s; see " +
                      options_.dir + "/m*/agent.log");
  }
  return Status::Ok();
}

Status MiniCluster::Up(std::chrono::milliseconds timeout) {
  if (masters() < 1 || masters() > 9) return InvalidArgument("masters must be 1..9");
  agent_pids_.assign(masters(), 0);
  if (options_.netns) {
    networks_ = std::make_unique<MasterNetworks>();
    RETURN_IF_ERROR(networks_->Create(masters()));
  }
  RETURN_IF_ERROR(WriteFiles());
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (options_.tls) {
    ASSIGN_OR_RETURN(tls, http::MakeClientContext(ClientTls()));
  }
  client_ = std::make_unique<http::Client>(tls);
  up_ = true;
  for (int i = 1; i <= masters(); ++i) RETURN_IF_ERROR(StartAgent(i));
  std::string last;
  if (!WaitHealthy(timeout, 1, &last)) {
    return Status(StatusCode::kUnavailable, "the sandbox did not become healthy within " +
                                                std::to_string(timeout.count() / 1000) +
                                                " s (last seen: " + last + "); see " +
                                                options_.dir + "/m*/agent.log and zookeeper.out");
  }
  return Status::Ok();
}

Status MiniCluster::Down() {
  for (pid_t pid : agent_pids_) EndProcess(pid, kStopTimeout);
  agent_pids_.assign(agent_pids_.size(), 0);
  KillServersUnder(options_.dir);
  UnmountUnder(options_.dir);
  networks_.reset();  // after the processes in the namespaces are gone
  up_ = false;
  return Status::Ok();
}

Status MiniCluster::Detach() {
  detached_ = true;
  if (!networks_) return Status::Ok();
  return WriteFileAtomically(options_.dir + "/netns", networks_->Keep() + "\n");
}

Result<std::unique_ptr<MasterNetworks>> MiniCluster::AttachNetworks(const std::string& dir) {
  Result<std::string> kept = ReadSmallFile(dir + "/netns", 4096);
  if (!kept.ok()) {
    return FailedPrecondition("the sandbox under " + dir +
                              " was not started with --netns: its masters share loopback and "
                              "can't be cut apart");
  }
  return MasterNetworks::Attach(*kept);
}

Status MiniCluster::DownDir(const std::string& dir) {
  if (!fs::exists(dir + "/cluster.env")) {
    return NotFound(dir + " holds no sandbox (no cluster.env)");
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string pid_file = entry.path().string() + "/agent.pid";
    if (fs::exists(pid_file)) EndProcess(ReadPid(pid_file), kStopTimeout);
  }
  KillServersUnder(dir);
  UnmountUnder(dir);
  if (Result<std::unique_ptr<MasterNetworks>> networks = AttachNetworks(dir); networks.ok()) {
    (*networks)->Destroy();
    fs::remove(dir + "/netns");
  }
  return Status::Ok();
}

Status MiniCluster::MountSmallDisk(int i) {
  const std::string zk = master_dir(i) + "/zk";
  fs::create_directories(zk);
  const std::string size = "size=" + std::to_string(options_.small_disk_mb) + "m";
  if (::mount("tmpfs", zk.c_str(), "tmpfs", 0, size.c_str()) != 0) {
    return ErrnoError("cannot mount a small tmpfs (needs root) on", zk, errno);
  }
  return Status::Ok();
}

void MiniCluster::UnmountUnder(const std::string& dir) {
  Result<std::string> mounts = ReadSmallFile("/proc/self/mounts", 1 << 20);
  if (!mounts.ok()) return;
  std::istringstream lines(*mounts);
  std::string device, point, rest;
  while (lines >> device >> point && std::getline(lines, rest)) {
    if (point.starts_with(dir + "/")) ::umount2(point.c_str(), MNT_DETACH);
  }
}

std::vector<std::string> MiniCluster::CliArgs(std::vector<std::string> rest, int agent) const {
  std::vector<std::string> args = {"--cluster", agent ? url(agent) : urls(), "--token-file",
                                   token_file()};
  if (!ca_file().empty()) args.insert(args.end(), {"--ca-file", ca_file()});
  if (options_.client_certs) {
    args.insert(args.end(), {"--client-cert", options_.dir + "/tls/cert.pem", "--client-key",
                             options_.dir + "/tls/key.pem"});
  }
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

pid_t MiniCluster::agent_pid(int i) const { return agent_pids_[i - 1]; }

bool MiniCluster::AgentAlive(int i) const { return agent_pid(i) > 0 && ProcessAlive(agent_pid(i)); }

pid_t MiniCluster::zk_pid(int i) const {
  auto server = zk::ServerConfiguredOn({master_dir(i) + "/zk/data"});
  return server ? server->pid : 0;
}

Status MiniCluster::KillAgent(int i) {
  pid_t pid = agent_pid(i);
  kill(pid, SIGKILL);
  WaitForExit(pid, std::chrono::seconds(10));
  agent_pids_[i - 1] = 0;
  return Status::Ok();
}

Status MiniCluster::StopAgent(int i) {
  EndProcess(agent_pid(i), kStopTimeout);
  agent_pids_[i - 1] = 0;
  return Status::Ok();
}

namespace {
Status Signal(pid_t pid, int signal, const std::string& what) {
  if (pid <= 0 || kill(pid, signal) != 0) return NotFound("no " + what + " process to signal");
  return Status::Ok();
}
}  // namespace

Status MiniCluster::PauseAgent(int i) { return Signal(agent_pid(i), SIGSTOP, "agent"); }
Status MiniCluster::ResumeAgent(int i) { return Signal(agent_pid(i), SIGCONT, "agent"); }
Status MiniCluster::KillZk(int i) { return Signal(zk_pid(i), SIGKILL, "ZooKeeper"); }
Status MiniCluster::PauseZk(int i) { return Signal(zk_pid(i), SIGSTOP, "ZooKeeper"); }
Status MiniCluster::ResumeZk(int i) { return Signal(zk_pid(i), SIGCONT, "ZooKeeper"); }

Result<http::Reply> MiniCluster::Call(int i, const std::string& method, const std::string& path,
                                      const std::string& body, const std::string* token,
                                      std::chrono::milliseconds timeout) const {
  ASSIGN_OR_RETURN(http::Url target, http::ParseUrl(url(i)));
  return client_->Call(target, {.method = method,
                                .target = path,
                                .body = body,
                                .token = token                               ? *token
                                         : path.starts_with("/v1/internal/") ? cluster_token()
                                                                             : this->token(),
                                .timeout = timeout});
}

Result<proto::ClusterStatus> MiniCluster::ClusterStatus(int i) const {
  ASSIGN_OR_RETURN(http::Reply reply, Call(i, "GET", "/v1/cluster/status"));
  if (reply.status != 200) return Internal("cluster status: HTTP " + std::to_string(reply.status));
  proto::ClusterStatus status;
  RETURN_IF_ERROR(proto::FromJson(reply.body, &status));
  return status;
}

Status MiniCluster::ArmCrashPoint(int i, const std::string& point, std::chrono::milliseconds delay,
                                  bool disarm) const {
  proto::CrashPointRequest arm;
  arm.set_disarm(disarm);
  arm.set_name(point);
  arm.set_delay_ms(static_cast<uint32_t>(delay.count()));
  ASSIGN_OR_RETURN(http::Reply reply,
                   Call(i, "POST", "/v1/internal/crash-points", proto::ToCompactJson(arm)));
  if (reply.status != 200)
    return Internal("arming " + point + ": HTTP " + std::to_string(reply.status));
  return Status::Ok();
}

namespace {
int IndexOf(const std::string& name) {
  return name.size() == 2 && name[0] == 'm' ? name[1] - '0' : 0;
}
}  // namespace

int MiniCluster::CoordinatorIndex(int i) const {
  Result<proto::ClusterStatus> status = ClusterStatus(i);
  return status.ok() ? IndexOf(status->coordinator()) : 0;
}

int MiniCluster::LeaderIndex(int i) const {
  Result<proto::ClusterStatus> status = ClusterStatus(i);
  return status.ok() ? IndexOf(status->leader()) : 0;
}

bool MiniCluster::WaitHealthy(std::chrono::milliseconds timeout, int i, std::string* last) const {
  return WaitFor(
      [&] {
        Result<proto::ClusterStatus> status = ClusterStatus(i);
        if (last) {
          *last = status.ok()
                      ? std::to_string(status->serving()) + " of " + std::to_string(masters()) +
                            " serving, " + std::to_string(status->leaders()) + " leader(s)"
                      : status.status().message();
        }
        return status.ok() && agent::Healthy(*status) && status->serving() == masters();
      },
      timeout);
}

bool MiniCluster::WaitAllHealthy(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 1; i <= masters(); ++i) {
    if (!AgentAlive(i)) continue;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!WaitHealthy(std::max(left, std::chrono::milliseconds(1)), i)) return false;
  }
  return true;
}

}  // namespace lockstep::integration
