// Server metrics in the Prometheus text format (version 0.0.4): counters and
// histograms the server updates as calls, commits and backups happen, and
// gauges read from the ledger and the process when a scrape asks for them.
//
// Every metric name, with its labels:
//   timebank_rpc_calls_total{method,code}           calls finished
//   timebank_rpc_duration_seconds{method,code}      call latency (histogram)
//   timebank_commits_total{result}                  group commits, ok or failed
//   timebank_commit_commands                        commands per commit (histogram)
//   timebank_commit_entries                         journal entries per commit (histogram)
//   timebank_commit_write_seconds                   synced RocksDB write (histogram)
//   timebank_backups_total{result}                  backups, ok or failed
//   timebank_backup_last_success_timestamp_seconds  when the newest good backup ended
//   timebank_backup_last_duration_seconds, timebank_backup_last_size_bytes
//   timebank_journal_entries{timebank}              journal length (last seq)
//   timebank_watch_streams                          open WatchJournal streams
//   timebank_serving                                1 while health says SERVING
//   timebank_storage_healthy                        0 after a failed write
//   timebank_rocksdb_*                              see StorageProperties
//   process_resident_memory_bytes, process_start_time_seconds
//
// Thread safety: every method may be called from any thread.

#ifndef TIMEBANK_SERVICES_METRICS_H_
#define TIMEBANK_SERVICES_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"

namespace timebank::services {

// Writes one scrape's text. Each metric family gets its HELP and TYPE lines
// once, before its first sample.
class Exposition {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  void Gauge(std::string_view name, std::string_view help, double value,
             const Labels& labels = {});
  void Counter(std::string_view name, std::string_view help, double value,
               const Labels& labels = {});
  // `cumulative[i]` observations were <= `bounds[i]`; `count` in all.
  void Histogram(std::string_view name, std::string_view help,
                 const std::vector<double>& bounds,
                 const std::vector<uint64_t>& cumulative, uint64_t count,
                 double sum, const Labels& labels = {});

  const std::string& text() const { return text_; }

 private:
  void Family(std::string_view name, std::string_view help,
              std::string_view type);
  void Sample(std::string_view name, const Labels& labels, double value);

  std::string text_;
  std::string last_family_;
};

// The observations of one histogram series against fixed upper bounds.
struct HistogramCounts {
  explicit HistogramCounts(size_t bounds) : buckets(bounds, 0) {}
  void Observe(const std::vector<double>& bounds, double value);
  // `cumulative[i]` observations were <= `bounds[i]`.
  std::vector<uint64_t> Cumulative() const;

  std::vector<uint64_t> buckets;  // Not cumulative.
  uint64_t count = 0;
  double sum = 0;
};

// A histogram with fixed upper bounds, one series per label set.
class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<double> bounds)
      : name_(std::move(name)), help_(std::move(help)), bounds_(std::move(bounds)) {}
  void Observe(const std::vector<std::string>& label_values, double value);
  void Write(const std::vector<std::string>& label_names, Exposition& out) const;

 private:
  std::string name_;
  std::string help_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, HistogramCounts> series_;
};

// The finished calls of one rpc, by status code: its series of
// timebank_rpc_calls_total and timebank_rpc_duration_seconds. Metrics makes
// one per method (ForMethod), so a call is counted without its method being
// looked up.
class RpcMetrics {
 public:
  // "timebank.v1.Ledger/GetBalance".
  const std::string& method() const { return method_; }
  // One finished call: its status code's name ("OK") and its latency.
  void Count(std::string_view code, double seconds);

 private:
  friend class Metrics;
  explicit RpcMetrics(std::string method) : method_(std::move(method)) {}
  void WriteCalls(Exposition& out) const;
  // False while no call has finished.
  bool WriteSeconds(Exposition& out) const;

  const std::string method_;
  mutable std::mutex mu_;
  std::map<std::string, HistogramCounts, std::less<>> by_code_;
};

class Metrics {
 public:
  Metrics();

  // The counters of `method` ("timebank.v1.Ledger/GetBalance"): made by the
  // first call for that name, the same object after; it lives as long as
  // this Metrics.
  RpcMetrics* ForMethod(std::string_view method);
  void ObserveCommit(const ledger::CommitStats& stats);
  void CountBackup(bool ok, double seconds, uint64_t size_bytes);

  // Adds gauges read at scrape time (ledger state, streams, health).
  void AddCollector(std::function<void(Exposition&)> collector);

  // The whole scrape.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<RpcMetrics>, std::less<>> rpcs_;
  uint64_t commits_ok_ = 0;
  uint64_t commits_failed_ = 0;
  uint64_t backups_ok_ = 0;
  uint64_t backups_failed_ = 0;
  double backup_last_success_s_ = 0;
  double backup_last_duration_s_ = 0;
  double backup_last_size_bytes_ = 0;
  std::vector<std::function<void(Exposition&)>> collectors_;
  double started_at_s_ = 0;

  HistogramFamily commit_commands_;
  HistogramFamily commit_entries_;
  HistogramFamily commit_write_seconds_;
};

// Gauges of the ledger: journal length per timebank, storage health and the
// RocksDB figures.
void CollectLedger(const ledger::Ledger& ledger, Exposition& out);

// Resident memory of this process from /proc/self/statm; -1 if unreadable.
int64_t ResidentMemoryBytes();

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_METRICS_H_
