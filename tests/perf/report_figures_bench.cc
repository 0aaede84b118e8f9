// The reciprocity report's in-memory core without gRPC: how fast a journal
// replays into ReportFigures, and how long Compute takes for a month and a
// year of a large timebank. Sizes come from flags so the same binary
// measures the table's row (10,000 members, 1,000,000 exchanges over a
// year) and smaller cases.
//
//   report_figures_bench --members=10000 --exchanges=1000000
//
// Not part of the default test run (CTest label "perf").

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/civil_date.h"
#include "ledger/report.h"

namespace timebank::ledger {
namespace {

int g_members = 10'000;
int g_exchanges = 1'000'000;
constexpr int32_t kSpanDays = 365;
const int32_t kLastDay = *ParseDate("2026-11-22");
const int32_t kFirstDay = kLastDay - kSpanDays + 1;

// A year of confirmed exchanges between random distinct members, one in
// fifty later reversed, in the order a writer would append them.
std::vector<JournalEntry> MakeJournal() {
  std::mt19937_64 random(20261122);
  static const char* const kCategories[] = {
      "gardening", "lifts", "shopping", "befriending", "it help", "repairs"};
  std::vector<JournalEntry> journal;
  journal.reserve(static_cast<size_t>(g_exchanges) * 51 / 50);
  for (int i = 0; i < g_exchanges; ++i) {
    const auto giver =
        static_cast<int>(random() % static_cast<uint64_t>(g_members));
    auto receiver =
        static_cast<int>(random() % static_cast<uint64_t>(g_members - 1));
    if (receiver >= giver) ++receiver;
    JournalEntry entry{
        .timebank_id = "bench",
        .seq = journal.size() + 1,
        .kind = EntryKind::kRecord,
        .initial_status = ExchangeStatus::kConfirmed,
        .giver_id = absl::StrCat("m", giver),
        .receiver_id = absl::StrCat("m", receiver),
        .minutes = 15 + static_cast<int64_t>(random() % 106),
        .category = kCategories[random() % 6],
        .occurred_on = kFirstDay + static_cast<int32_t>(random() % kSpanDays)};
    journal.push_back(entry);
    if (i % 50 == 49) {
      entry.kind = EntryKind::kReverse;
      entry.target_seq = entry.seq;
      entry.seq = journal.size() + 1;
      journal.push_back(entry);
    }
  }
  return journal;
}

const std::vector<JournalEntry>& Journal() {
  static const std::vector<JournalEntry> journal = MakeJournal();
  return journal;
}

const ReportFigures& Figures() {
  static const ReportFigures figures = [] {
    ReportFigures built;
    for (const JournalEntry& entry : Journal()) built.ApplyEntry(entry);
    return built;
  }();
  return figures;
}

std::vector<ReportMember> Members(const ReportFigures& figures) {
  std::vector<ReportMember> members;
  for (int i = 0; i < g_members; ++i) {
    members.push_back(
        ReportMember{.index = figures.IndexOf(absl::StrCat("m", i)),
                     .kind = AccountKind::kPerson,
                     .joined_on = kFirstDay - 400 + i % 500});
  }
  return members;
}

void BM_Replay(benchmark::State& state) {
  const std::vector<JournalEntry>& journal = Journal();
  for (auto _ : state) {
    ReportFigures figures;
    for (const JournalEntry& entry : journal) figures.ApplyEntry(entry);
    benchmark::DoNotOptimize(figures);
  }
  state.counters["entries_per_s"] =
      benchmark::Counter(static_cast<double>(journal.size()),
                         benchmark::Counter::kIsIterationInvariantRate);
}

void Report(benchmark::State& state, int32_t from_day,
            Granularity granularity) {
  const ReportFigures& figures = Figures();
  const std::vector<ReportMember> members = Members(figures);
  int64_t exchanges = 0;
  for (auto _ : state) {
    absl::StatusOr<ReciprocityReport> report = figures.Compute(
        "bench", members, from_day, kLastDay, granularity, 5, kLastDay);
    if (!report.ok()) {
      state.SkipWithError(report.status().ToString().c_str());
      break;
    }
    exchanges = report->total.exchanges;
    benchmark::DoNotOptimize(report);
  }
  state.counters["exchanges"] = static_cast<double>(exchanges);
}

void BM_ReportYearByMonth(benchmark::State& state) {
  Report(state, kFirstDay, Granularity::kMonth);
}
void BM_ReportYear(benchmark::State& state) {
  Report(state, kFirstDay, Granularity::kYear);
}
void BM_ReportMonth(benchmark::State& state) {
  Report(state, kLastDay - 20, Granularity::kMonth);
}

BENCHMARK(BM_Replay)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_ReportYear)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReportYearByMonth)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReportMonth)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace timebank::ledger

int main(int argc, char** argv) {
  // Our own flags first; the rest belong to Google Benchmark.
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--members=", 0) == 0) {
      timebank::ledger::g_members = std::atoi(arg.c_str() + 10);
    } else if (arg.rfind("--exchanges=", 0) == 0) {
      timebank::ledger::g_exchanges = std::atoi(arg.c_str() + 12);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (timebank::ledger::g_members < 2 || timebank::ledger::g_exchanges < 1) {
    return 2;
  }
  int rest_count = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_count, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
