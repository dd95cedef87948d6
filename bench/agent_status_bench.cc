// Status requests per second and latency on one agent with 100 concurrent clients, idle and while
// a peer agent is paused (SIGSTOP), against two baselines on the same machine and moment: the
// agent's trivial /healthz (the HTTP stack alone) and ZooKeeper's own `srvr` asked directly
// (what Exhibitor-style monitors poll). Prints a table; asserts nothing.
//
//   build/bench/agent_status_bench [--clients N] [--seconds S]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "engine/zk/four_letter.h"
#include "integration/mini_cluster.h"

namespace lockstep::bench {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Measurement {
  std::string name;
  double rps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t errors = 0;
};

Measurement Load(const std::string& name, int clients, std::chrono::seconds duration,
                 const std::function<bool()>& request) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<uint64_t> errors{0};
  const auto end = Clock::now() + duration;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      while (Clock::now() < end) {
        auto begun = Clock::now();
        bool ok = request();
        latencies[c].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - begun).count());
        if (!ok) ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Measurement m{name};
  m.rps = static_cast<double>(all.size()) / static_cast<double>(duration.count());
  if (!all.empty()) {
    m.p50_ms = all[all.size() / 2];
    m.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  m.errors = errors.load();
  return m;
}

long RssKib(pid_t pid, const char* field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return 0;
}

int Run(int clients, int seconds) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("lockstep-agent-bench-" + std::to_string(getpid()));
  integration::MiniCluster cluster(integration::MiniClusterOptions::WithFreePorts(dir, 3));
  if (Status up = cluster.Up(); !up.ok()) {
    std::cerr << up.ToString() << "\n";
    return 1;
  }
  const auto duration = std::chrono::seconds(seconds);
  auto http = [&](const std::string& path) {
    return [&cluster, path] {
      auto reply = cluster.Call(1, "GET", path, "", nullptr, 5s);
      return reply.ok() && reply->status == 200;
    };
  };
  auto zk = zk::ParseEndpoint(cluster.zk_endpoint(1)).value();
  auto srvr = [zk] { return zk::QuerySrvr(zk, 5s).ok(); };

  std::vector<Measurement> rows;
  rows.push_back(Load("zk srvr direct (baseline)", clients, duration, srvr));
  rows.push_back(Load("agent /healthz (baseline)", clients, duration, http("/healthz")));
  rows.push_back(Load("/v1/cluster/status, idle", clients, duration, http("/v1/cluster/status")));
  rows.push_back(Load("/exhibitor/v1/cluster/status, idle", clients, duration,
                      http("/exhibitor/v1/cluster/status")));
  (void)cluster.PauseAgent(3);
  rows.push_back(
      Load("/v1/cluster/status, m3 agent paused", clients, duration, http("/v1/cluster/status")));
  rows.push_back(Load("/exhibitor/v1/cluster/status, m3 paused", clients, duration,
                      http("/exhibitor/v1/cluster/status")));
  (void)cluster.ResumeAgent(3);
  const long rss = RssKib(cluster.agent_pid(1), "VmRSS:");
  const long hwm = RssKib(cluster.agent_pid(1), "VmHWM:");

  const Measurement& base = rows[0];
  std::printf("\n%d concurrent clients, %d s per row, a new connection per request, 2 cores\n\n",
              clients, seconds);
  std::printf("%-40s %10s %9s %9s %8s %13s %13s\n", "request", "req/s", "p50 ms", "p99 ms",
              "errors", "rps/srvr", "p99/srvr");
  for (const auto& m : rows) {
    std::printf("%-40s %10.0f %9.2f %9.2f %8llu %12.2fx %12.2fx\n", m.name.c_str(), m.rps, m.p50_ms,
                m.p99_ms, static_cast<unsigned long long>(m.errors), m.rps / base.rps,
                m.p99_ms / base.p99_ms);
  }
  std::printf("\npaused peer vs idle (cluster status): rps %.2fx, p99 %.2fx\n",
              rows[4].rps / rows[2].rps, rows[4].p99_ms / rows[2].p99_ms);
  std::printf("agent m1 memory after the load: RSS %ld KiB, peak %ld KiB\n", rss, hwm);
  (void)cluster.Down();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace lockstep::bench

int main(int argc, char** argv) {
  int clients = 100, seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--clients")) clients = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
  }
  return lockstep::bench::Run(clients, seconds);
}
