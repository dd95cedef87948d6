// What an agent knows of its peers' silence, over real sockets on loopback: a peer that accepts
// connections and never answers (a frozen process: the kernel still accepts for it) and a peer
// that answers, even with a refusal. The election acts on it: the next in line takes over from a
// silent coordinator, and ZooKeeper sessions skip the servers of silent masters.
#include "agent/master/peer_view.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/http/client.h"
#include "common/http/server.h"

namespace lockstep::agent {
namespace {

using namespace std::chrono_literals;

// A listening socket nobody accepts on: connections succeed, requests are never answered.
class FrozenListener {
 public:
  explicit FrozenListener(const std::string& host) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~FrozenListener() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class PeerViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    answering_ = std::make_unique<http::Server>(
        http::ServerOptions{.host = "127.0.0.3"},
        [](const http::Request&) { return http::ErrorReply(401, "unauthorized", "bad token"); });
    ASSERT_TRUE(answering_->Start().ok());
  }
  PeerView View(std::chrono::milliseconds timeout = 300ms) {
    return PeerView({{"m2", "http://127.0.0.2:" + std::to_string(frozen_.port())},
                     {"m3", "http://127.0.0.3:" + std::to_string(answering_->port())}},
                    client_, "token", 1h, timeout);
  }

  FrozenListener frozen_{"127.0.0.2"};
  std::unique_ptr<http::Server> answering_;
  const http::Client client_;
};

TEST_F(PeerViewTest, APeerThatNeverAnswersIsSilentSinceItsFirstUnansweredAsk) {
  PeerView view = View();
  EXPECT_EQ(view.SilentFor("m2"), 0ms) << "not asked yet: no evidence of silence";
  view.RefreshAll();
  const auto first = view.SilentFor("m2");
  EXPECT_GE(first, 300ms) << "the ask waited its whole deadline unanswered";
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(view.SilentFor("m2"), first) << "no new evidence, no more silence";
  view.RefreshAll();
  EXPECT_GE(view.SilentFor("m2"), first + 400ms) << "a run of silence counts from its start";
  EXPECT_EQ(view.SilentFor("m3"), 0ms) << "a refusal is an answer: the process runs";
  EXPECT_EQ(view.SilentFor("m9"), 0ms) << "not a peer";
  for (const auto& master : view.Snapshot()) {
    EXPECT_FALSE(master.agent_reachable()) << master.name() << ": neither is usable";
  }
}

TEST_F(PeerViewTest, ZooKeeperSessionsSkipTheServersOfSilentMasters) {
  PeerView view = View();
  const std::string connect = "127.0.0.2:2181,127.0.0.3:2181,127.0.0.4:2181/lockstep";
  EXPECT_EQ(view.ServersOfAnsweringMasters(connect), connect) << "nothing known yet";
  view.RefreshAll();
  EXPECT_EQ(view.ServersOfAnsweringMasters(connect), "127.0.0.3:2181,127.0.0.4:2181/lockstep");
  EXPECT_EQ(view.ServersOfAnsweringMasters("127.0.0.2:2181"), "127.0.0.2:2181")
      << "never none: with every server's master silent, try them all";
}

}  // namespace
}  // namespace lockstep::agent
