#include "services/metrics.h"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "ledger/clock.h"

namespace timebank::services {
namespace {

// Latency of calls: 100 µs to 10 s.
const std::vector<double>& CallBounds() {
  static const auto* const bounds = new std::vector<double>{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *bounds;
}

// Commands or entries in one group commit: powers of two up to the batch
// limit of the bulk path.
std::vector<double> PowersOfTwo(double max) {
  std::vector<double> bounds;
  for (double b = 1; b <= max; b *= 2) bounds.push_back(b);
  return bounds;
}

// A synced write: 50 µs to 1 s.
const std::vector<double>& WriteBounds() {
  static const auto* const bounds = new std::vector<double>{
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
      0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1};
  return *bounds;
}

double NowSeconds() {
  return static_cast<double>(ledger::SystemClockUs()) / 1e6;
}

prometheus::Family<prometheus::Counter>& CounterFamily(
    prometheus::Registry& registry, const std::string& name,
    const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Gauge>& GaugeFamily(
    prometheus::Registry& registry, const std::string& name,
    const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Histogram>& HistogramFamily(
    prometheus::Registry& registry, const std::string& name,
    const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
}

}  // namespace

void ScrapeGauges::Gauge(const std::string& name, const std::string& help,
                         double value, const prometheus::Labels& labels) {
  GaugeFamily(registry_, name, help).Add(labels).Set(value);
}

const RpcMetrics::CodeSeries& RpcMetrics::ForCode(std::string_view code) {
  {
    std::shared_lock lock(mu_);
    if (const auto it = by_code_.find(code); it != by_code_.end()) {
      return it->second;
    }
  }
  std::lock_guard lock(mu_);
  auto it = by_code_.find(code);
  if (it == by_code_.end()) {
    const std::string name(code);
    it = by_code_.emplace(name, metrics_->AddCallSeries(method_, name)).first;
  }
  return it->second;
}

void RpcMetrics::Count(std::string_view code, double seconds) {
  const CodeSeries& series = ForCode(code);
  series.calls->Increment();
  series.seconds->Observe(seconds);
}

Metrics::Metrics()
    : calls_(CounterFamily(registry_, "timebank_rpc_calls_total",
                           "Calls finished, by method and status code.")),
      call_seconds_(HistogramFamily(
          registry_, "timebank_rpc_duration_seconds",
          "Time from the start of a call to its status, by method and status "
          "code.")),
      no_call_yet_(&call_seconds_.Add({}, CallBounds())),
      commits_ok_(CounterFamily(registry_, "timebank_commits_total",
                                "Group commits, by result.")
                      .Add({{"result", "ok"}})),
      commits_failed_(CounterFamily(registry_, "timebank_commits_total",
                                    "Group commits, by result.")
                          .Add({{"result", "failed"}})),
      commit_commands_(HistogramFamily(registry_, "timebank_commit_commands",
                                       "Commands carried by one group commit.")
                           .Add({}, PowersOfTwo(4096))),
      commit_entries_(
          HistogramFamily(registry_, "timebank_commit_entries",
                          "Journal entries appended by one group commit.")
              .Add({}, PowersOfTwo(16384))),
      commit_write_seconds_(
          HistogramFamily(registry_, "timebank_commit_write_seconds",
                          "The synced RocksDB write of one group commit.")
              .Add({}, WriteBounds())),
      backups_ok_(CounterFamily(registry_, "timebank_backups_total",
                                "Backups taken through the Admin service.")
                      .Add({{"result", "ok"}})),
      backups_failed_(CounterFamily(registry_, "timebank_backups_total",
                                    "Backups taken through the Admin service.")
                          .Add({{"result", "failed"}})),
      backup_last_success_s_(
          GaugeFamily(registry_,
                      "timebank_backup_last_success_timestamp_seconds",
                      "When the newest successful backup finished; 0 if none "
                      "yet.")
              .Add({})),
      backup_last_duration_s_(
          GaugeFamily(registry_, "timebank_backup_last_duration_seconds",
                      "How long the newest successful backup took.")
              .Add({})),
      backup_last_size_bytes_(
          GaugeFamily(registry_, "timebank_backup_last_size_bytes",
                      "Size of the newest successful backup.")
              .Add({})) {
  GaugeFamily(registry_, "process_start_time_seconds",
              "Start time of the process since the Unix epoch in seconds.")
      .Add({})
      .Set(NowSeconds());
}

RpcMetrics::CodeSeries Metrics::AddCallSeries(const std::string& method,
                                              const std::string& code) {
  const prometheus::Labels labels = {{"method", method}, {"code", code}};
  RpcMetrics::CodeSeries series{
      .calls = &calls_.Add(labels),
      .seconds = &call_seconds_.Add(labels, CallBounds())};
  std::call_once(first_call_, [this] { call_seconds_.Remove(no_call_yet_); });
  return series;
}

RpcMetrics* Metrics::ForMethod(std::string_view method) {
  {
    std::shared_lock lock(rpcs_mu_);
    if (const auto it = rpcs_.find(method); it != rpcs_.end()) {
      return it->second.get();
    }
  }
  std::lock_guard lock(rpcs_mu_);
  auto it = rpcs_.find(method);
  if (it == rpcs_.end()) {
    // The constructor is private: make_unique cannot call it.
    std::unique_ptr<RpcMetrics> rpc(new RpcMetrics(std::string(method), this));
    it = rpcs_.emplace(std::string(method), std::move(rpc)).first;
  }
  return it->second.get();
}

void Metrics::CountCall(std::string_view method, std::string_view code,
                        double seconds) {
  ForMethod(method)->Count(code, seconds);
}

void Metrics::ObserveCommit(const ledger::CommitStats& stats) {
  if (!stats.ok) {
    commits_failed_.Increment();
    return;
  }
  commits_ok_.Increment();
  commit_commands_.Observe(static_cast<double>(stats.commands));
  commit_entries_.Observe(static_cast<double>(stats.entries));
  commit_write_seconds_.Observe(static_cast<double>(stats.write_us) / 1e6);
}

void Metrics::CountBackup(bool ok, double seconds, uint64_t size_bytes) {
  if (!ok) {
    backups_failed_.Increment();
    return;
  }
  backups_ok_.Increment();
  backup_last_success_s_.Set(NowSeconds());
  backup_last_duration_s_.Set(seconds);
  backup_last_size_bytes_.Set(static_cast<double>(size_bytes));
}

void Metrics::AddCollector(std::function<void(ScrapeGauges&)> collector) {
  std::lock_guard lock(collectors_mu_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Render() const {
  std::vector<std::function<void(ScrapeGauges&)>> collectors;
  {
    std::lock_guard lock(collectors_mu_);
    collectors = collectors_;
  }
  ScrapeGauges gauges;
  for (const auto& collect : collectors) collect(gauges);
  gauges.Gauge("process_resident_memory_bytes",
               "Resident memory size in bytes.",
               static_cast<double>(ResidentMemoryBytes()));
  std::vector<prometheus::MetricFamily> families = registry_.Collect();
  std::vector<prometheus::MetricFamily> scraped = gauges.registry_.Collect();
  families.insert(families.end(), std::make_move_iterator(scraped.begin()),
                  std::make_move_iterator(scraped.end()));
  return prometheus::TextSerializer().Serialize(families);
}

void CollectLedger(const ledger::Ledger& ledger, TimebankSeries series,
                   ScrapeGauges& out) {
  const std::vector<ledger::Timebank> timebanks = ledger.ListTimebanks();
  if (series == TimebankSeries::kPerTimebank) {
    for (const ledger::Timebank& timebank : timebanks) {
      out.Gauge("timebank_journal_entries",
                "Entries in a timebank's journal (its last seq).",
                static_cast<double>(timebank.last_seq),
                {{"timebank", timebank.id}});
    }
  } else {
    double entries = 0;
    for (const ledger::Timebank& timebank : timebanks) {
      entries += static_cast<double>(timebank.last_seq);
    }
    out.Gauge("timebank_journal_entries", "Entries in all timebanks' journals.",
              entries);
  }
  out.Gauge("timebank_timebanks", "Timebanks on this server.",
            static_cast<double>(timebanks.size()));
  out.Gauge("timebank_storage_healthy",
            "1 while writes go through; 0 after a failed write until storage "
            "recovers.",
            ledger.StorageStatus().ok() ? 1 : 0);
  const ledger::StorageProperties p = ledger.GetStorageProperties();
  const struct {
    const char* name;
    const char* help;
    int64_t value;
  } figures[] = {
      {"timebank_rocksdb_pending_compaction_bytes",
       "RocksDB's estimate of bytes compaction has to rewrite; writes slow "
       "down and stop as it grows.",
       p.pending_compaction_bytes},
      {"timebank_rocksdb_running_compactions", "Compactions running now.",
       p.running_compactions},
      {"timebank_rocksdb_running_flushes", "Memtable flushes running now.",
       p.running_flushes},
      {"timebank_rocksdb_write_stopped",
       "1 while RocksDB stops writes (a write stall).", p.write_stopped},
      {"timebank_rocksdb_delayed_write_rate_bytes",
       "Rate RocksDB slows writes to, in bytes per second; 0 when not "
       "slowed.",
       p.delayed_write_rate},
      {"timebank_rocksdb_live_sst_bytes", "Size of the live table files.",
       p.live_sst_bytes},
      {"timebank_rocksdb_memtable_bytes", "Size of all memtables.",
       p.memtable_bytes},
      {"timebank_rocksdb_estimated_keys", "RocksDB's estimate of its keys.",
       p.estimated_keys},
  };
  for (const auto& figure : figures) {
    if (figure.value >= 0) {
      out.Gauge(figure.name, figure.help, static_cast<double>(figure.value));
    }
  }
}

int64_t ResidentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0;
  int64_t resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return -1;
  return resident_pages * static_cast<int64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace timebank::services
