#include "coordinator/election_zk.h"

namespace lockstep::coordinator {
namespace {

class ZkClientSession : public ElectionZk {
 public:
  explicit ZkClientSession(std::unique_ptr<ZkClient> client) : client_(std::move(client)) {}

  Result<std::string> Create(const std::string& path, const std::string& data,
                             CreateMode mode) override {
    ASSIGN_OR_RETURN(auto created, client_->Create(path, data, ZkClient::OpenAcl(), mode));
    return created.first;
  }
  Result<Znode> GetData(const std::string& path) override {
    ASSIGN_OR_RETURN(auto got, client_->Get(path));
    return Znode{std::move(got.first), got.second.czxid};
  }
  Result<std::vector<std::string>> Children(const std::string& path) override {
    return client_->Children(path);
  }
  Status Delete(const std::string& path) override { return client_->Delete(path); }
  Result<bool> ExistsWatch(const std::string& path, std::function<void()> on_change) override {
    return client_->ExistsWatch(path, std::move(on_change));
  }
  bool expired() const override { return client_->expired(); }
  bool connected() const override { return client_->connected(); }
  Status SetServers(const std::string& hosts) override { return client_->SetServers(hosts); }

 private:
  std::unique_ptr<ZkClient> client_;
};

}  // namespace

ElectionZkConnector ZkClientConnector(std::function<std::string()> hosts,
                                      std::chrono::milliseconds session_timeout) {
  return [hosts = std::move(hosts), session_timeout]() -> Result<std::unique_ptr<ElectionZk>> {
    ASSIGN_OR_RETURN(std::unique_ptr<ZkClient> client,
                     ZkClient::Connect(hosts(), session_timeout, session_timeout));
    return std::unique_ptr<ElectionZk>(std::make_unique<ZkClientSession>(std::move(client)));
  };
}

}  // namespace lockstep::coordinator
