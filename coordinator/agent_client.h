// How the coordinator talks to the agents (itself included): the internal API over HTTP. An
// interface, so the backup and restore state machines can run against fakes in unit tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/http/client.h"
#include "common/status.h"
#include "proto/backup.pb.h"

namespace google::protobuf {
class Message;
}

namespace lockstep::coordinator {

struct Member {
  std::string name;
  std::string url;
};

// This coordinator's leadership generation (coordinator::CoordinatorInfo::generation), 0 once it
// no longer leads. An operation reads it once, when it starts, and stamps every call with it.
using Leadership = std::function<uint64_t()>;

// Why a coordinator can't start or go on: it lost the election (or never won it). Its message
// starts with kNotCoordinator, which a forwarding agent reads as "the election is settling".
Status NotCoordinator();
inline constexpr char kNotCoordinator[] = "this agent is no longer the coordinator";

class AgentClient {
 public:
  virtual ~AgentClient() = default;
  // The same agents, every mutating call carrying coordinator generation `generation` (fencing):
  // an agent refuses a call from a generation older than the newest it knows, so a coordinator
  // that lost its role (a paused master waking up, a partitioned one) executes nothing.
  virtual std::unique_ptr<AgentClient> AtGeneration(uint64_t generation) = 0;
  virtual Result<proto::LockState> Lock(const Member& member,
                                        const proto::LockRequest& request) = 0;
  virtual Status Unlock(const Member& member, const std::string& id) = 0;
  virtual Result<proto::LockState> LockState(const Member& member) = 0;
  virtual Result<proto::TakeReply> Take(const Member& member,
                                        const proto::TakeRequest& request) = 0;
  virtual Status Fetch(const Member& member, const proto::FetchRequest& request) = 0;
  virtual Status PutRecord(const Member& member, const proto::Backup& record) = 0;
  virtual Status RemoveArchive(const Member& member, const std::string& id) = 0;
  virtual Status PutSchedule(const Member& member, const proto::Schedule& schedule) = 0;
  // A cluster-wide restore's steps on one master (agent/master/node_restore.h).
  virtual Result<proto::StageReply> Stage(const Member& member,
                                          const proto::StageRequest& request) = 0;
  // `step`: stop | swap | start | finish | rollback.
  virtual Result<proto::RestoreJournal> RestoreStep(const Member& member, const std::string& step,
                                                    const proto::RestoreStepRequest& request) = 0;
  virtual Result<proto::RestoreJournalList> RestoreJournals(const Member& member) = 0;
};

class HttpAgentClient : public AgentClient {
 public:
  HttpAgentClient(const http::Client& client, std::string token, std::chrono::milliseconds timeout,
                  uint64_t generation = 0);
  std::unique_ptr<AgentClient> AtGeneration(uint64_t generation) override;
  Result<proto::LockState> Lock(const Member& member, const proto::LockRequest& request) override;
  Status Unlock(const Member& member, const std::string& id) override;
  Result<proto::LockState> LockState(const Member& member) override;
  Result<proto::TakeReply> Take(const Member& member, const proto::TakeRequest& request) override;
  Status Fetch(const Member& member, const proto::FetchRequest& request) override;
  Status PutRecord(const Member& member, const proto::Backup& record) override;
  Status RemoveArchive(const Member& member, const std::string& id) override;
  Status PutSchedule(const Member& member, const proto::Schedule& schedule) override;
  Result<proto::StageReply> Stage(const Member& member,
                                  const proto::StageRequest& request) override;
  Result<proto::RestoreJournal> RestoreStep(const Member& member, const std::string& step,
                                            const proto::RestoreStepRequest& request) override;
  Result<proto::RestoreJournalList> RestoreJournals(const Member& member) override;

 private:
  Status Call(const Member& member, const std::string& method, const std::string& path,
              const google::protobuf::Message* request, google::protobuf::Message* reply,
              std::chrono::milliseconds timeout);

  const http::Client& client_;
  const std::string token_;
  const std::chrono::milliseconds timeout_;
  const uint64_t generation_;  // 0: unfenced, for reads
};

// Fenced calls carry their generation as this query parameter, in FormatZxid's hex form.
inline constexpr char kGenerationParam[] = "generation";

// `leadership()`'s generation, or NotCoordinator when it is 0.
Result<uint64_t> CurrentGeneration(const Leadership& leadership);

}  // namespace lockstep::coordinator
