// Server metrics, kept in a prometheus-cpp registry and served as Prometheus
// text (version 0.0.4, prometheus::TextSerializer): counters and histograms
// the server updates as calls, commits and backups happen, and gauges read
// from the ledger and the process when a scrape asks for them.
//
// Every metric name, with its labels:
//   timebank_rpc_calls_total{method,code}           calls finished
//   timebank_rpc_duration_seconds{method,code}      call latency (histogram)
//   timebank_commits_total{result}                  group commits, ok or failed
//   timebank_commit_commands                        commands per commit
//   (histogram) timebank_commit_entries                         journal entries
//   per commit (histogram) timebank_commit_write_seconds synced RocksDB write
//   (histogram) timebank_backups_total{result}                  backups, ok or
//   failed timebank_backup_last_success_timestamp_seconds  when the newest good
//   backup ended timebank_backup_last_duration_seconds,
//   timebank_backup_last_size_bytes timebank_journal_entries entries in all
//   journals, timebank_journal_entries{timebank}              or each journal's
//   length
//                                                   (last seq) with
//                                                   TimebankSeries::kPerTimebank
//   timebank_timebanks                              timebanks
//   timebank_watch_streams                          open WatchJournal streams
//   timebank_serving                                1 while health says SERVING
//   timebank_storage_healthy                        0 after a failed write
//   timebank_rocksdb_*                              see StorageProperties
//   process_resident_memory_bytes, process_start_time_seconds
//
// Thread safety: every method may be called from any thread.

#ifndef TIMEBANK_SERVICES_METRICS_H_
#define TIMEBANK_SERVICES_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"

namespace timebank::services {

// The gauges of one scrape, read as it happens. Each scrape gets a fresh
// set, so a figure that cannot be read now is absent rather than stale.
// Thread safety: one scrape's, used by one thread.
class ScrapeGauges {
 public:
  ScrapeGauges() = default;
  ScrapeGauges(const ScrapeGauges&) = delete;
  ScrapeGauges& operator=(const ScrapeGauges&) = delete;

  // Sets `name` with `labels` to `value`; the first call for a name gives
  // its help.
  void Gauge(const std::string& name, const std::string& help, double value,
             const prometheus::Labels& labels = {});

 private:
  friend class Metrics;
  prometheus::Registry registry_;
};

class Metrics;

// The finished calls of one rpc: its series of timebank_rpc_calls_total and
// timebank_rpc_duration_seconds, one pair per status code, each made by the
// first call that ends with that code and reused by every later one.
class RpcMetrics {
 public:
  // "timebank.v1.Ledger/GetBalance".
  const std::string& method() const { return method_; }
  // One finished call: its status code's name ("OK") and its latency.
  void Count(std::string_view code, double seconds);

 private:
  friend class Metrics;
  struct CodeSeries {
    prometheus::Counter* calls;
    prometheus::Histogram* seconds;
  };
  RpcMetrics(std::string method, Metrics* metrics)
      : method_(std::move(method)), metrics_(metrics) {}
  const CodeSeries& ForCode(std::string_view code);

  const std::string method_;
  Metrics* const metrics_;
  std::shared_mutex mu_;
  std::map<std::string, CodeSeries, std::less<>> by_code_;
};

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The counters of `method` ("timebank.v1.Ledger/GetBalance"): made by the
  // first call for that name, the same object after; it lives as long as
  // this Metrics.
  RpcMetrics* ForMethod(std::string_view method);
  // One finished rpc: "timebank.v1.Ledger/GetBalance", "OK". The same as
  // ForMethod(method)->Count(code, seconds).
  void CountCall(std::string_view method, std::string_view code,
                 double seconds);
  void ObserveCommit(const ledger::CommitStats& stats);
  void CountBackup(bool ok, double seconds, uint64_t size_bytes);

  // Adds gauges read at scrape time (ledger state, streams, health).
  void AddCollector(std::function<void(ScrapeGauges&)> collector);

  // The whole scrape.
  std::string Render() const;

 private:
  friend class RpcMetrics;
  // The new series of one method and code.
  RpcMetrics::CodeSeries AddCallSeries(const std::string& method,
                                       const std::string& code);

  prometheus::Registry registry_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& call_seconds_;
  // A zero series without labels while no call has finished, so the
  // latency histogram is in every scrape and dashboards find it.
  std::once_flag first_call_;
  prometheus::Histogram* no_call_yet_;

  prometheus::Counter& commits_ok_;
  prometheus::Counter& commits_failed_;
  prometheus::Histogram& commit_commands_;
  prometheus::Histogram& commit_entries_;
  prometheus::Histogram& commit_write_seconds_;

  prometheus::Counter& backups_ok_;
  prometheus::Counter& backups_failed_;
  prometheus::Gauge& backup_last_success_s_;
  prometheus::Gauge& backup_last_duration_s_;
  prometheus::Gauge& backup_last_size_bytes_;

  std::shared_mutex rpcs_mu_;
  std::map<std::string, std::unique_ptr<RpcMetrics>, std::less<>> rpcs_;

  mutable std::mutex collectors_mu_;
  std::vector<std::function<void(ScrapeGauges&)>> collectors_;
};

// Whether scrapes name timebanks. Their ids say who uses the server and how
// much, so a scrape shows totals unless asked for more.
enum class TimebankSeries {
  kTotalsOnly,   // No timebank id anywhere in the scrape.
  kPerTimebank,  // timebank_journal_entries{timebank="<id>"}, one each.
};

// Gauges of the ledger: journal lengths (in all, or per timebank), the number
// of timebanks, storage health and the RocksDB figures.
void CollectLedger(const ledger::Ledger& ledger, TimebankSeries series,
                   ScrapeGauges& out);

// Resident memory of this process from /proc/self/statm; -1 if unreadable.
int64_t ResidentMemoryBytes();

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_METRICS_H_
