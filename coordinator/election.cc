#include "coordinator/election.h"

#include <algorithm>

#include "api/names.h"
#include "common/log.h"
#include "common/zxid.h"
#include "coordinator/agent_client.h"

namespace lockstep::coordinator {
namespace {

constexpr char kPrefix[] = "n_";

// Creates `path` and its parents as persistent znodes where missing.
Status EnsurePath(ElectionZk& client, const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    auto created = client.Create(prefix, "", CreateMode::kPersistent);
    if (!created.ok() && created.status().message().find("node exists") == std::string::npos) {
      return created.status();
    }
    if (slash == std::string::npos) return Status::Ok();
  }
}

// The history marker under `root`'s parent: made with a fresh token when absent (the first agent
// to enrol wins the race; the others read its token).
Result<std::string> ReadHistory(ElectionZk& client, const std::string& root) {
  const std::string path = root.substr(0, root.rfind('/')) + "/history";
  const std::string token = api::NewRequestId();
  auto created = client.Create(path, token, CreateMode::kPersistent);
  if (created.ok()) return token;
  if (created.status().message().find("node exists") == std::string::npos) {
    return created.status();
  }
  ASSIGN_OR_RETURN(ElectionZk::Znode znode, client.GetData(path));
  return znode.data;
}

}  // namespace

Election::Election(ElectionOptions options)
    : Election(options,
               ZkClientConnector(
                   [options] { return options.servers ? options.servers() : options.zk_connect; },
                   options.session_timeout),
               RealClockInstance()) {}

Election::Election(ElectionOptions options, ElectionZkConnector connect, Clock& clock)
    : options_(std::move(options)),
      connect_(std::move(connect)),
      clock_(clock),
      waker_(std::make_shared<Waker>()) {
  waker_->election = this;
}

Election::~Election() {
  {
    std::lock_guard lock(waker_->mu);
    waker_->election = nullptr;  // a watch firing from now on must not touch this object
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  client_.reset();
}

void Election::Begin() {
  thread_ = std::thread([this] { Loop(); });
}

void Election::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  wake_.notify_all();
}

bool Election::IsCoordinator() const {
  std::lock_guard lock(mu_);
  return leading_;
}

uint64_t Election::Generation() const {
  std::lock_guard lock(mu_);
  return leading_ && current_ ? current_->generation : 0;
}

bool Election::Connected() const {
  std::lock_guard lock(mu_);
  return connected_;
}

std::optional<CoordinatorInfo> Election::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::string Election::history() const {
  std::lock_guard lock(mu_);
  return history_;
}

std::string Election::problem() const {
  std::lock_guard lock(mu_);
  return problem_;
}

Status Election::ConfirmLeading() const {
  std::string node;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (!leading_ || !current_) return NotCoordinator();
    node = leading_node_;
    generation = current_->generation;
  }
  auto refused = [](const std::string& why) {
    return Status(StatusCode::kUnavailable,
                  std::string(kNotCoordinator) +
                      ": it cannot confirm its role with a ZooKeeper "
                      "quorum (" +
                      why +
                      "); this master may be cut off; nothing was changed: retry, "
                      "and the request goes to the coordinator the quorum elects");
  };
  Result<std::unique_ptr<ElectionZk>> fresh = connect_();
  if (!fresh.ok()) return refused(fresh.status().message());
  Result<std::vector<std::string>> queue = (*fresh)->Children(options_.root);
  if (!queue.ok()) return refused(queue.status().message());
  if (queue->empty()) return refused("the election is empty");
  const std::string first = *std::min_element(queue->begin(), queue->end());
  if (first != node) return refused("the election is led by " + first + " now");
  Result<ElectionZk::Znode> znode = (*fresh)->GetData(options_.root + "/" + first);
  if (!znode.ok()) return refused(znode.status().message());
  if (static_cast<uint64_t>(znode->czxid) != generation) return refused("a new generation leads");
  return Status::Ok();
}

Status Election::Step() {
  if (client_ && client_->expired()) {
    log::Warn("ZooKeeper session expired: leaving the election and enrolling again");
    client_.reset();
  }
  if (!client_) {
    my_node_.clear();
    ASSIGN_OR_RETURN(client_, connect_());
    client_servers_.clear();
  }
  if (!client_->connected()) return Status(StatusCode::kUnavailable, "disconnected from ZooKeeper");
  if (my_node_.empty()) {
    RETURN_IF_ERROR(EnsurePath(*client_, options_.root));
    ASSIGN_OR_RETURN(std::string history, ReadHistory(*client_, options_.root));
    {
      std::lock_guard lock(mu_);
      if (history != history_ && !history_.empty()) {
        log::Warn("the ensemble's history marker changed: its data was lost and begun again",
                  {{"was", history_}, {"now", history}});
      }
      history_ = history;
    }
    ASSIGN_OR_RETURN(std::string created,
                     client_->Create(options_.root + "/" + kPrefix,
                                     options_.self_name + "\n" + options_.self_url,
                                     CreateMode::kEphemeralSequential));
    my_node_ = created.substr(created.rfind('/') + 1);
    log::Info("joined the coordinator election", {{"node", my_node_}});
  }
  ASSIGN_OR_RETURN(std::vector<std::string> queue, client_->Children(options_.root));
  std::sort(queue.begin(), queue.end());  // equal prefixes, zero-padded sequence numbers
  auto mine = std::find(queue.begin(), queue.end(), my_node_);
  if (mine == queue.end()) {
    // Our znode is gone: our session was replaced, or the next in line removed us while we did
    // not answer. Stop coordinating at once, then enrol again.
    my_node_.clear();
    std::lock_guard lock(mu_);
    if (leading_)
      log::Warn("stepping down as coordinator: this agent's election znode was removed");
    leading_ = false;
    leading_node_.clear();
    return Status(StatusCode::kUnavailable, "election znode vanished");
  }
  auto first = client_->GetData(options_.root + "/" + queue.front());
  if (!first.ok()) return first.status();  // the leader left just now: look again
  const std::string& data = first->data;
  const size_t newline = data.find('\n');
  CoordinatorInfo leader{.name = data.substr(0, newline),
                         .url = newline == std::string::npos ? "" : data.substr(newline + 1),
                         .generation = static_cast<uint64_t>(first->czxid)};
  if (mine != queue.begin() && leader.name == options_.self_name) {
    // Ours, left by a session of ours that expired (the server keeps it until it notices): it
    // would make everyone send their requests to us while we wait behind it. Remove it.
    log::Info("removing this agent's stale election znode", {{"node", queue.front()}});
    Status removed = client_->Delete(options_.root + "/" + queue.front());
    if (!removed.ok() && removed.code() != StatusCode::kNotFound) return removed;
    return Step();
  }
  if (mine == queue.begin() + 1 && Silent(leader)) {
    log::Warn(
        "removing the election znode of a coordinator that has not answered for a whole "
        "session timeout, to take over without waiting for ZooKeeper to expire it",
        {{"coordinator", leader.name},
         {"node", queue.front()},
         {"silent_ms", std::to_string(options_.silent_for(leader.name).count())}});
    Status removed = client_->Delete(options_.root + "/" + queue.front());
    if (!removed.ok() && removed.code() != StatusCode::kNotFound) return removed;
    return Step();
  }
  const bool leading = mine == queue.begin();
  {
    std::lock_guard lock(mu_);
    if (leading != leading_) {
      log::Info(leading ? "became the coordinator" : "following coordinator",
                {{"coordinator", leader.name}, {"generation", FormatZxid(leader.generation)}});
    }
    leading_ = leading;
    leading_node_ = leading ? my_node_ : "";
    current_ = leader;
    problem_.clear();
  }
  if (!leading) {
    // Watch only the predecessor: when it goes, we may be next.
    std::shared_ptr<Waker> waker = waker_;
    ASSIGN_OR_RETURN(bool exists, client_->ExistsWatch(options_.root + "/" + *(mine - 1), [waker] {
      std::lock_guard lock(waker->mu);
      if (waker->election) waker->election->Wake();
    }));
    if (!exists) Wake();
  }
  return Status::Ok();
}

void Election::RetargetSession() {
  if (!options_.servers || !client_ || client_->expired() || client_->connected()) return;
  const std::string servers = options_.servers();
  if (servers == client_servers_) return;
  Status pointed = client_->SetServers(servers);
  if (!pointed.ok()) {
    log::Warn("cannot narrow the election session's servers", {{"error", pointed.message()}});
    return;
  }
  log::Info("the election session reconnects only to servers of masters that answer",
            {{"servers", servers}});
  client_servers_ = servers;
}

bool Election::Silent(const CoordinatorInfo& leader) const {
  return options_.silent_for && leader.name != options_.self_name &&
         options_.silent_for(leader.name) >= options_.session_timeout;
}

void Election::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    Status stepped = Step();
    if (!stepped.ok()) RetargetSession();
    const bool session_alive = client_ && !client_->expired();
    const bool connected = client_ && client_->connected();
    lock.lock();
    connected_ = connected;
    auto retry = options_.recheck;
    if (stepped.ok()) {
      trouble_since_.reset();
    } else {
      // A connection loss while the session lives is what the C client recovers from by
      // itself (it moves to another server): keep the view until the session could have
      // expired, and look again soon.
      if (!trouble_since_) trouble_since_ = clock_.Now();
      // Leading needs a live connection: the server may expire our session (and another agent
      // take over) before we hear of it. Following may ride out the loss a while longer.
      if (leading_ && !(client_ && client_->connected())) {
        log::Warn("stepping down as coordinator: disconnected from ZooKeeper");
        leading_ = false;
      }
      const bool lost = !session_alive || clock_.Now() - *trouble_since_ > options_.session_timeout;
      if (lost) {
        if (leading_) log::Warn("lost the coordinator role", {{"error", stepped.message()}});
        leading_ = false;
        current_.reset();
        problem_ = "no coordinator: " + stepped.message();
      }
      retry = std::chrono::milliseconds(200);
    }
    clock_.WaitFor(lock, wake_, retry, [&] { return woken_ || stopping_; });
  }
}

}  // namespace lockstep::coordinator
