#include "services/metrics.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace timebank::services {
namespace {

constexpr char kCallSeconds[] = "timebank_rpc_duration_seconds";
constexpr char kCallSecondsHelp[] =
    "Time from the start of a call to its status, by method and status code.";

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

std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%.15g", value);
}

double NowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Exposition::Family(std::string_view name, std::string_view help,
                        std::string_view type) {
  if (last_family_ == name) return;
  last_family_ = std::string(name);
  text_.append("# HELP ").append(name).append(" ").append(help);
  text_.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Exposition::Sample(std::string_view name, const Labels& labels,
                        double value) {
  text_.append(name);
  if (!labels.empty()) {
    text_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      absl::StrAppend(&text_, i == 0 ? "" : ",", labels[i].first, "=\"",
                      EscapeLabel(labels[i].second), "\"");
    }
    text_ += '}';
  }
  absl::StrAppend(&text_, " ", FormatValue(value), "\n");
}

void Exposition::Gauge(std::string_view name, std::string_view help,
                       double value, const Labels& labels) {
  Family(name, help, "gauge");
  Sample(name, labels, value);
}

void Exposition::Counter(std::string_view name, std::string_view help,
                         double value, const Labels& labels) {
  Family(name, help, "counter");
  Sample(name, labels, value);
}

void Exposition::Histogram(std::string_view name, std::string_view help,
                           const std::vector<double>& bounds,
                           const std::vector<uint64_t>& cumulative,
                           uint64_t count, double sum, const Labels& labels) {
  Family(name, help, "histogram");
  const std::string base(name);
  const std::string bucket = base + "_bucket";
  for (size_t i = 0; i < bounds.size(); ++i) {
    Labels with_le = labels;
    with_le.emplace_back("le", FormatValue(bounds[i]));
    Sample(bucket, with_le, static_cast<double>(cumulative[i]));
  }
  Labels with_inf = labels;
  with_inf.emplace_back("le", "+Inf");
  Sample(bucket, with_inf, static_cast<double>(count));
  Sample(base + "_sum", labels, sum);
  Sample(base + "_count", labels, static_cast<double>(count));
}

void HistogramCounts::Observe(const std::vector<double>& bounds, double value) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {
      ++buckets[i];
      break;
    }
  }
  ++count;
  sum += value;
}

std::vector<uint64_t> HistogramCounts::Cumulative() const {
  std::vector<uint64_t> cumulative(buckets.size());
  uint64_t running = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    running += buckets[i];
    cumulative[i] = running;
  }
  return cumulative;
}

void HistogramFamily::Observe(const std::vector<std::string>& label_values,
                              double value) {
  std::lock_guard lock(mu_);
  series_.try_emplace(label_values, bounds_.size())
      .first->second.Observe(bounds_, value);
}

void HistogramFamily::Write(const std::vector<std::string>& label_names,
                            Exposition& out) const {
  std::lock_guard lock(mu_);
  if (series_.empty()) {
    // An empty histogram still says it exists, so dashboards find it.
    out.Histogram(name_, help_, bounds_,
                  std::vector<uint64_t>(bounds_.size(), 0), 0, 0);
    return;
  }
  for (const auto& [values, series] : series_) {
    Exposition::Labels labels;
    for (size_t i = 0; i < label_names.size() && i < values.size(); ++i) {
      labels.emplace_back(label_names[i], values[i]);
    }
    out.Histogram(name_, help_, bounds_, series.Cumulative(), series.count,
                  series.sum, labels);
  }
}

void RpcMetrics::Count(std::string_view code, double seconds) {
  std::lock_guard lock(mu_);
  auto it = by_code_.find(code);
  if (it == by_code_.end()) {
    it = by_code_.try_emplace(std::string(code), CallBounds().size()).first;
  }
  it->second.Observe(CallBounds(), seconds);
}

void RpcMetrics::WriteCalls(Exposition& out) const {
  std::lock_guard lock(mu_);
  for (const auto& [code, series] : by_code_) {
    out.Counter("timebank_rpc_calls_total",
                "Calls finished, by method and status code.",
                static_cast<double>(series.count),
                {{"method", method_}, {"code", code}});
  }
}

bool RpcMetrics::WriteSeconds(Exposition& out) const {
  std::lock_guard lock(mu_);
  for (const auto& [code, series] : by_code_) {
    out.Histogram(kCallSeconds, kCallSecondsHelp, CallBounds(),
                  series.Cumulative(), series.count, series.sum,
                  {{"method", method_}, {"code", code}});
  }
  return !by_code_.empty();
}

Metrics::Metrics()
    : started_at_s_(NowSeconds()),
      commit_commands_("timebank_commit_commands",
                       "Commands carried by one group commit.",
                       PowersOfTwo(4096)),
      commit_entries_("timebank_commit_entries",
                      "Journal entries appended by one group commit.",
                      PowersOfTwo(16384)),
      commit_write_seconds_("timebank_commit_write_seconds",
                            "The synced RocksDB write of one group commit.",
                            WriteBounds()) {}

RpcMetrics* Metrics::ForMethod(std::string_view method) {
  std::lock_guard lock(mu_);
  auto it = rpcs_.find(method);
  if (it == rpcs_.end()) {
    // The constructor is private: make_unique cannot call it.
    std::unique_ptr<RpcMetrics> rpc(new RpcMetrics(std::string(method)));
    it = rpcs_.emplace(std::string(method), std::move(rpc)).first;
  }
  return it->second.get();
}

void Metrics::ObserveCommit(const ledger::CommitStats& stats) {
  {
    std::lock_guard lock(mu_);
    ++(stats.ok ? commits_ok_ : commits_failed_);
  }
  if (!stats.ok) return;
  commit_commands_.Observe({}, static_cast<double>(stats.commands));
  commit_entries_.Observe({}, static_cast<double>(stats.entries));
  commit_write_seconds_.Observe({}, static_cast<double>(stats.write_us) / 1e6);
}

void Metrics::CountBackup(bool ok, double seconds, uint64_t size_bytes) {
  std::lock_guard lock(mu_);
  if (!ok) {
    ++backups_failed_;
    return;
  }
  ++backups_ok_;
  backup_last_success_s_ = NowSeconds();
  backup_last_duration_s_ = seconds;
  backup_last_size_bytes_ = static_cast<double>(size_bytes);
}

void Metrics::AddCollector(std::function<void(Exposition&)> collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Render() const {
  Exposition out;
  std::vector<std::function<void(Exposition&)>> collectors;
  std::vector<const RpcMetrics*> rpcs;
  {
    std::lock_guard lock(mu_);
    for (const auto& [method, rpc] : rpcs_) {
      rpcs.push_back(rpc.get());
      rpc->WriteCalls(out);
    }
    const char* commits_help = "Group commits, by result.";
    out.Counter("timebank_commits_total", commits_help,
                static_cast<double>(commits_ok_), {{"result", "ok"}});
    out.Counter("timebank_commits_total", commits_help,
                static_cast<double>(commits_failed_), {{"result", "failed"}});
    const char* backups_help = "Backups taken through the Admin service.";
    out.Counter("timebank_backups_total", backups_help,
                static_cast<double>(backups_ok_), {{"result", "ok"}});
    out.Counter("timebank_backups_total", backups_help,
                static_cast<double>(backups_failed_), {{"result", "failed"}});
    out.Gauge("timebank_backup_last_success_timestamp_seconds",
              "When the newest successful backup finished; 0 if none yet.",
              backup_last_success_s_);
    out.Gauge("timebank_backup_last_duration_seconds",
              "How long the newest successful backup took.",
              backup_last_duration_s_);
    out.Gauge("timebank_backup_last_size_bytes",
              "Size of the newest successful backup.", backup_last_size_bytes_);
    collectors = collectors_;
  }
  bool any_call = false;
  for (const RpcMetrics* rpc : rpcs) any_call |= rpc->WriteSeconds(out);
  if (!any_call) {
    // An empty histogram still says it exists, so dashboards find it.
    out.Histogram(kCallSeconds, kCallSecondsHelp, CallBounds(),
                  std::vector<uint64_t>(CallBounds().size(), 0), 0, 0);
  }
  commit_commands_.Write({}, out);
  commit_entries_.Write({}, out);
  commit_write_seconds_.Write({}, out);
  for (const auto& collect : collectors) collect(out);
  out.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
            static_cast<double>(ResidentMemoryBytes()));
  out.Gauge("process_start_time_seconds",
            "Start time of the process since the Unix epoch in seconds.",
            started_at_s_);
  return out.text();
}

void CollectLedger(const ledger::Ledger& ledger, Exposition& out) {
  for (const ledger::Timebank& timebank : ledger.ListTimebanks()) {
    out.Gauge("timebank_journal_entries",
              "Entries in a timebank's journal (its last seq).",
              static_cast<double>(timebank.last_seq),
              {{"timebank", timebank.id}});
  }
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
