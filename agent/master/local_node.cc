#include "agent/master/local_node.h"

#include "agent/control/zk_probe.h"
#include "common/log.h"
#include "common/version.h"

namespace lockstep::agent {

LocalNode::LocalNode(LocalNodeOptions options, std::unique_ptr<control::ZkController> controller,
                     MaintenanceFlag maintenance)
    : options_(std::move(options)),
      controller_(std::move(controller)),
      maintenance_(std::move(maintenance)) {
  last_.set_code(api::kLatent);
  last_.set_description(api::ExhibitorDescription(api::kLatent));
}

LocalNode::~LocalNode() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (prober_.joinable()) prober_.join();
}

Status LocalNode::Begin() {
  if (maintenance_.IsSet()) {
    log::Warn("node is in maintenance: not starting ZooKeeper; `lockstep node start-zk " +
              options_.name + "` ends it");
  } else {
    RETURN_IF_ERROR(controller_->Start());
  }
  prober_ = std::thread([this] { ProbeLoop(); });
  return Status::Ok();
}

void LocalNode::ProbeNow() {
  proto::ZkServerStatus status = ProbeZk(options_.client, options_.probe_timeout);
  std::lock_guard lock(mu_);
  if (status.code() != last_.code()) {
    log::Info(
        "ZooKeeper status changed",
        {{"from", last_.description()}, {"to", status.description()}, {"mode", status.mode()}});
  }
  last_ = std::move(status);
}

void LocalNode::ProbeLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    ProbeNow();
    lock.lock();
    wake_.wait_for(lock, options_.probe_interval);
  }
}

Status LocalNode::WithServerStopped(const std::function<void()>& work) {
  std::lock_guard serial(action_mu_);
  if (maintenance_.IsSet()) {
    return FailedPrecondition(options_.name +
                              " is in maintenance (stopped on purpose); start it "
                              "with `lockstep node start-zk " +
                              options_.name + "` first");
  }
  RETURN_IF_ERROR(controller_->Stop());
  work();
  // Whatever happened, the server goes back into the ensemble.
  return controller_->Start().Prepend("ZooKeeper did not start again");
}

proto::ZkServerStatus LocalNode::Refresh() {
  ProbeNow();
  return Snapshot().zk();
}

proto::MasterStatus LocalNode::Snapshot() const {
  proto::MasterStatus master;
  master.set_name(options_.name);
  master.set_address(options_.address);
  master.set_hostname(options_.hostname);
  master.set_agent_reachable(true);
  master.set_version(std::string(Version()));
  {
    std::lock_guard lock(mu_);
    *master.mutable_zk() = last_;
  }
  master.mutable_zk()->set_maintenance(maintenance_.IsSet());
  master.mutable_zk()->set_controller(controller_->backend());
  master.mutable_zk()->set_pid(static_cast<int32_t>(controller_->pid()));
  return master;
}

Result<proto::ZkServerStatus> LocalNode::Act(const std::string& action, const std::string& reason) {
  std::lock_guard serial(action_mu_);
  log::Info("ZooKeeper " + action + " requested", {{"reason", reason}});
  if (action == "stop") {
    // Flag first: if the agent dies mid-stop, it must not restart the server on its return.
    RETURN_IF_ERROR(maintenance_.Set(reason.empty() ? "stopped through the API" : reason));
    RETURN_IF_ERROR(controller_->Stop());
  } else if (action == "start") {
    RETURN_IF_ERROR(controller_->Start());
    RETURN_IF_ERROR(maintenance_.Clear());
  } else if (action == "restart") {
    RETURN_IF_ERROR(controller_->Stop());
    RETURN_IF_ERROR(controller_->Start());
    RETURN_IF_ERROR(maintenance_.Clear());
  } else {
    return InvalidArgument("unknown action '" + action + "': use stop, start or restart");
  }
  ProbeNow();
  return Snapshot().zk();
}

}  // namespace lockstep::agent
