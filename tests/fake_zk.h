// An in-memory ZooKeeper for the election's unit tests: znodes with their ephemeral owners,
// per-parent sequence numbers, one-shot exists watches, and sessions a test can cut off
// (Disconnect: the session lives, calls fail with Unavailable) or expire (its ephemeral znodes
// go and their watches fire), as a real ensemble would. Errors read like ZkClient's.
//
// Thread-safe: every call takes the state's mutex; watches run after it is released, on the
// thread that made the change (a test's, or an election loop's).
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "coordinator/election_zk.h"

namespace lockstep::testing {

class FakeZk {
 public:
  FakeZk() : state_(std::make_shared<State>()) {}

  // Opens sessions tagged `label` (e.g. the agent's name), the handle for Disconnect and Expire.
  coordinator::ElectionZkConnector Connector(const std::string& label) {
    return [state = state_, label]() -> Result<std::unique_ptr<coordinator::ElectionZk>> {
      std::lock_guard lock(state->mu);
      if (state->unreachable.count(label)) {
        return Status(StatusCode::kUnavailable, "ZooKeeper unreachable: connection refused");
      }
      const int64_t id = ++state->last_session;
      state->sessions[id] = {label};
      return std::unique_ptr<coordinator::ElectionZk>(std::make_unique<Session>(state, id));
    };
  }
  // New sessions for `label` fail to connect (the ensemble can't be reached from there).
  void SetUnreachable(const std::string& label, bool unreachable) {
    std::lock_guard lock(state_->mu);
    if (unreachable) {
      state_->unreachable.insert(label);
    } else {
      state_->unreachable.erase(label);
    }
  }
  // `label`'s open sessions lose (or regain) their connection; they stay alive.
  void Disconnect(const std::string& label, bool disconnected = true) {
    std::lock_guard lock(state_->mu);
    for (auto& [id, session] : state_->sessions) {
      if (session.label == label) session.connected = !disconnected;
    }
  }
  // `label`'s open sessions expire: their ephemeral znodes are deleted, watches fire.
  void Expire(const std::string& label) {
    std::vector<int64_t> ids;
    {
      std::lock_guard lock(state_->mu);
      for (auto& [id, session] : state_->sessions) {
        if (session.label == label && !session.expired) ids.push_back(id);
      }
    }
    for (int64_t id : ids) state_->End(id);
  }
  // The servers `label`'s newest session was last pointed at ("" when never).
  std::string ServersOf(const std::string& label) {
    std::lock_guard lock(state_->mu);
    std::string servers;
    for (auto& [id, session] : state_->sessions) {
      if (session.label == label) servers = session.servers;
    }
    return servers;
  }
  // The children of `path`, sorted; empty when it does not exist.
  std::vector<std::string> Children(const std::string& path) {
    std::lock_guard lock(state_->mu);
    return state_->ChildrenLocked(path);
  }

 private:
  struct Node {
    std::string data;
    int64_t owner = 0;  // the session of an ephemeral znode
    int sequence = 0;   // the next sequence number for a child
    int64_t czxid = 0;  // the transaction that created it: increases with every create
  };
  struct SessionState {
    std::string label;
    bool connected = true;
    bool expired = false;
    std::string servers;  // as last set by SetServers; empty when never set
  };
  using Watch = std::function<void()>;

  struct State {
    std::mutex mu;
    std::map<std::string, Node> nodes{{"/", Node{}}};
    std::multimap<std::string, Watch> watches;
    std::map<int64_t, SessionState> sessions;
    std::set<std::string> unreachable;
    int64_t last_session = 0;
    int64_t last_zxid = 0;

    static std::string ParentOf(const std::string& path) {
      const size_t slash = path.rfind('/');
      return slash == 0 ? "/" : path.substr(0, slash);
    }
    std::vector<std::string> ChildrenLocked(const std::string& path) {
      std::vector<std::string> children;
      for (const auto& [name, node] : nodes) {
        if (name != "/" && ParentOf(name) == path)
          children.push_back(name.substr(name.rfind('/') + 1));
      }
      return children;
    }
    // Removes `path`'s watches; the caller runs them once `mu` is released.
    std::vector<Watch> TakeWatches(const std::string& path) {
      std::vector<Watch> fired;
      auto [begin, end] = watches.equal_range(path);
      for (auto it = begin; it != end; ++it) fired.push_back(it->second);
      watches.erase(begin, end);
      return fired;
    }
    // The session expires (or is closed): its ephemeral znodes go.
    void End(int64_t id) {
      std::vector<Watch> fired;
      {
        std::lock_guard lock(mu);
        sessions[id].expired = true;
        sessions[id].connected = false;
        for (auto it = nodes.begin(); it != nodes.end();) {
          if (it->second.owner != id) {
            ++it;
            continue;
          }
          for (Watch& watch : TakeWatches(it->first)) fired.push_back(std::move(watch));
          it = nodes.erase(it);
        }
      }
      for (Watch& watch : fired) watch();
    }
  };

  class Session : public coordinator::ElectionZk {
   public:
    Session(std::shared_ptr<State> state, int64_t id) : state_(std::move(state)), id_(id) {}
    ~Session() override { state_->End(id_); }

    Result<std::string> Create(const std::string& path, const std::string& data,
                               CreateMode mode) override {
      std::vector<Watch> fired;
      std::string created = path;
      {
        std::lock_guard lock(state_->mu);
        RETURN_IF_ERROR(Usable("create", path));
        auto parent = state_->nodes.find(State::ParentOf(path));
        if (parent == state_->nodes.end()) return Error("create", path, "no node");
        const bool sequential =
            mode == CreateMode::kEphemeralSequential || mode == CreateMode::kPersistentSequential;
        if (sequential) {
          char suffix[16];
          std::snprintf(suffix, sizeof suffix, "%010d", parent->second.sequence++);
          created += suffix;
        }
        if (state_->nodes.count(created)) return Error("create", created, "node exists");
        const bool ephemeral =
            mode == CreateMode::kEphemeralSequential || mode == CreateMode::kEphemeral;
        state_->nodes[created] = Node{data, ephemeral ? id_ : 0, 0, ++state_->last_zxid};
        fired = state_->TakeWatches(created);
      }
      for (Watch& watch : fired) watch();
      return created;
    }
    Result<Znode> GetData(const std::string& path) override {
      std::lock_guard lock(state_->mu);
      RETURN_IF_ERROR(Usable("get", path));
      auto it = state_->nodes.find(path);
      if (it == state_->nodes.end()) return Error("get", path, "no node");
      return Znode{it->second.data, it->second.czxid};
    }
    Result<std::vector<std::string>> Children(const std::string& path) override {
      std::lock_guard lock(state_->mu);
      RETURN_IF_ERROR(Usable("get children of", path));
      if (!state_->nodes.count(path)) return Error("get children of", path, "no node");
      return state_->ChildrenLocked(path);
    }
    Status Delete(const std::string& path) override {
      std::vector<Watch> fired;
      {
        std::lock_guard lock(state_->mu);
        RETURN_IF_ERROR(Usable("delete", path));
        if (!state_->nodes.erase(path)) return Error("delete", path, "no node");
        fired = state_->TakeWatches(path);
      }
      for (Watch& watch : fired) watch();
      return Status::Ok();
    }
    Result<bool> ExistsWatch(const std::string& path, std::function<void()> on_change) override {
      std::lock_guard lock(state_->mu);
      RETURN_IF_ERROR(Usable("exists", path));
      state_->watches.emplace(path, std::move(on_change));
      return state_->nodes.count(path) > 0;
    }
    bool expired() const override {
      std::lock_guard lock(state_->mu);
      return state_->sessions[id_].expired;
    }
    bool connected() const override {
      std::lock_guard lock(state_->mu);
      return state_->sessions[id_].connected;
    }
    Status SetServers(const std::string& hosts) override {
      std::lock_guard lock(state_->mu);
      state_->sessions[id_].servers = hosts;
      return Status::Ok();
    }

   private:
    // As ZkClient's errors: NotFound for "no node", FailedPrecondition for the rest.
    static Status Error(const std::string& what, const std::string& path, const std::string& why) {
      return Status(why == "no node" ? StatusCode::kNotFound : StatusCode::kFailedPrecondition,
                    "ZooKeeper " + what + " " + path + ": " + why);
    }
    // Caller holds state_->mu.
    Status Usable(const std::string& what, const std::string& path) {
      const SessionState& session = state_->sessions[id_];
      if (session.expired) return Error(what, path, "session expired");
      if (!session.connected) {
        return Status(StatusCode::kUnavailable,
                      "ZooKeeper " + what + " " + path + ": connection loss");
      }
      return Status::Ok();
    }

    std::shared_ptr<State> state_;
    const int64_t id_;
  };

  std::shared_ptr<State> state_;
};

}  // namespace lockstep::testing
