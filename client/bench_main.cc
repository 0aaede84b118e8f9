// timebank-bench: drives a running timebankd and prints one JSON object with
// throughput and latency. Calls use gRPC's callback API: `--in-flight` calls
// are kept outstanding over a few channels, each completion starting the
// next, so the generator itself is not the bottleneck (`--mode ceiling`
// measures its own limit against a trivial endpoint in this process).
//
// Modes:
//   unary    RecordExchange, one exchange per call
//   bulk     RecordExchanges, --batch exchanges per call
//   balance  GetBalance of random members
//   mixed    half the calls RecordExchange, half GetBalance (reads reported
//            separately under "reads")
//   report   GetReciprocityReport over --report-from .. --report-to
//   ceiling  a trivial in-process server, to show the generator's limit

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "timebank/v1/assessment.grpc.pb.h"
#include "timebank/v1/ledger.grpc.pb.h"

namespace {

namespace v1 = ::timebank::v1;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string server = "localhost:50051";
  std::string token_file = "data/admin.token";
  std::string timebank = "bench";
  int members = 1000;
  std::string mode = "unary";
  int in_flight = 16;
  int batch = 1000;
  double duration_s = 10;
  int64_t total = 0;  // Stop after this many exchanges (0: run for duration).
  int channels = 4;
  int date_span_days = 365;
  std::string report_from = "2025-01-01";
  std::string report_to = "2025-12-31";
  bool json = true;
};

// Latencies and counts of one kind of call; one per in-flight slot, so no
// two threads ever touch the same one.
struct Tally {
  int64_t ok = 0;      // Items acknowledged (exchanges for writes).
  int64_t errors = 0;  // Items refused or failed.
  std::vector<double> latencies_ms;
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(p * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

nlohmann::json Summarise(std::vector<Tally>& tallies, double seconds) {
  Tally all;
  for (Tally& t : tallies) {
    all.ok += t.ok;
    all.errors += t.errors;
    all.latencies_ms.insert(all.latencies_ms.end(), t.latencies_ms.begin(),
                            t.latencies_ms.end());
  }
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  return {{"ok", all.ok},
          {"errors", all.errors},
          {"calls", all.latencies_ms.size()},
          {"per_second", seconds > 0 ? all.ok / seconds : 0},
          {"p50_ms", Percentile(all.latencies_ms, 0.50)},
          {"p99_ms", Percentile(all.latencies_ms, 0.99)},
          {"p999_ms", Percentile(all.latencies_ms, 0.999)}};
}

std::string Today(int days_back) {
  const auto day = std::chrono::floor<std::chrono::days>(
      std::chrono::system_clock::now() - std::chrono::days(days_back));
  const std::chrono::year_month_day ymd(day);
  char text[32];  // Room for any int, so the compiler can prove no truncation.
  std::snprintf(
      text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

class Bench {
 public:
  Bench(const Options& options, std::string token)
      : options_(options), token_(std::move(token)) {
    for (int i = 0; i < std::max(1, options_.channels); ++i) {
      grpc::ChannelArguments args;
      // Separate connections, so the channels spread over server threads.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("timebank.bench.channel", i);
      args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
      auto channel = grpc::CreateCustomChannel(
          options_.server, grpc::InsecureChannelCredentials(), args);
      ledgers_.push_back(v1::Ledger::NewStub(channel));
      assessments_.push_back(v1::Assessment::NewStub(channel));
    }
    run_id_ = std::to_string(std::random_device()());
    // Dates are drawn once: formatting them in the hot path would cost more
    // than the call it decorates.
    for (int d = 0; d < std::max(1, options_.date_span_days); ++d) {
      dates_.push_back(Today(d));
    }
  }

  void Prepare(grpc::ClientContext& context) const {
    context.AddMetadata("authorization", "Bearer " + token_);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
  }

  // Creates the timebank and members that are missing.
  bool SetUp() {
    v1::CreateTimebankRequest create;
    create.set_timebank_id(options_.timebank);
    create.set_name("Benchmark timebank");
    v1::Timebank timebank;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status s = ledgers_[0]->CreateTimebank(&context, create, &timebank);
    if (!s.ok() && s.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      std::cerr << "timebank-bench: create timebank: " << s.error_message()
                << "\n";
      return false;
    }
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> workers;
    for (int w = 0; w < 8; ++w) {
      workers.emplace_back([&, w] {
        for (int i = next++; i < options_.members && !failed; i = next++) {
          v1::OpenAccountRequest open;
          open.set_timebank_id(options_.timebank);
          open.set_account_id(Member(i));
          open.set_display_name("Member " + std::to_string(i));
          open.set_joined_on("2020-01-01");
          v1::Account account;
          grpc::ClientContext c;
          Prepare(c);
          grpc::Status st =
              ledgers_[w % ledgers_.size()]->OpenAccount(&c, open, &account);
          if (!st.ok() && st.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
            std::cerr << "timebank-bench: open account: " << st.error_message()
                      << "\n";
            failed = true;
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    return !failed;
  }

  nlohmann::json Run() {
    const int slots = std::max(1, options_.in_flight);
    writes_.assign(slots, Tally{});
    reads_.assign(slots, Tally{});
    end_ =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(options_.duration_s));
    const auto start = Clock::now();
    active_ = slots;
    for (int slot = 0; slot < slots; ++slot) Launch(slot);
    {
      std::unique_lock lock(mu_);
      done_.wait(lock, [&] { return active_ == 0; });
    }
    const double seconds =
        std::chrono::duration<double>(Clock::now() - start).count();
    nlohmann::json result =
        Summarise(options_.mode == "balance" ? reads_ : writes_, seconds);
    result["mode"] = options_.mode;
    result["in_flight"] = options_.in_flight;
    result["batch"] = options_.mode == "bulk" ? options_.batch : 1;
    result["duration_s"] = seconds;
    if (options_.mode == "mixed") result["reads"] = Summarise(reads_, seconds);
    return result;
  }

 private:
  std::string Member(int i) const { return "m" + std::to_string(i); }

  template <typename Item>
  void FillExchange(std::mt19937_64& random, Item* item) {
    const int members = std::max(2, options_.members);
    const int giver = static_cast<int>(random() % members);
    const int receiver =
        (giver + 1 + static_cast<int>(random() % (members - 1))) % members;
    item->set_request_id(run_id_ + "-" + std::to_string(request_counter_++));
    item->set_giver_id(Member(giver));
    item->set_receiver_id(Member(receiver));
    item->set_minutes(15 + static_cast<int64_t>(random() % 106));
    item->set_category(kCategories[random() % std::size(kCategories)]);
    item->set_occurred_on(dates_[random() % dates_.size()]);
  }

  // Starts the next call of a slot, or retires the slot when time is up.
  void Launch(int slot) {
    const int64_t items = options_.mode == "bulk" ? options_.batch : 1;
    const bool enough =
        options_.total > 0 && launched_.fetch_add(items) >= options_.total;
    if (Clock::now() >= end_ || enough) {
      std::lock_guard lock(mu_);
      if (--active_ == 0) done_.notify_all();
      return;
    }
    thread_local std::mt19937_64 random(std::random_device{}());
    const std::string& mode = options_.mode;
    const bool read = mode == "balance" || (mode == "mixed" && slot % 2 == 1);
    auto* stub = ledgers_[slot % ledgers_.size()].get();
    const auto started = Clock::now();
    auto finish = [this, slot, started, read](int64_t ok, int64_t errors) {
      Tally& tally = read ? reads_[slot] : writes_[slot];
      tally.ok += ok;
      tally.errors += errors;
      tally.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - started)
              .count());
      Launch(slot);
    };
    if (read) {
      auto call = std::make_shared<Call<v1::GetBalanceRequest, v1::Balance>>();
      Prepare(call->context);
      call->request.set_timebank_id(options_.timebank);
      call->request.set_account_id(
          Member(static_cast<int>(random() % options_.members)));
      stub->async()->GetBalance(&call->context, &call->request, &call->reply,
                                [call, finish](grpc::Status s) {
                                  finish(s.ok() ? 1 : 0, s.ok() ? 0 : 1);
                                });
    } else if (mode == "bulk") {
      auto call = std::make_shared<
          Call<v1::RecordExchangesRequest, v1::RecordExchangesResponse>>();
      Prepare(call->context);
      call->request.set_timebank_id(options_.timebank);
      for (int i = 0; i < options_.batch; ++i) {
        FillExchange(random, call->request.add_items());
      }
      stub->async()->RecordExchanges(
          &call->context, &call->request, &call->reply,
          [this, call, finish](grpc::Status s) {
            int64_t ok = 0;
            for (const auto& result : call->reply.results())
              ok += result.has_exchange();
            finish(ok, s.ok() ? options_.batch - ok : options_.batch);
          });
    } else if (mode == "report") {
      auto call = std::make_shared<
          Call<v1::GetReciprocityReportRequest, v1::ReciprocityReport>>();
      Prepare(call->context);
      call->request.set_timebank_id(options_.timebank);
      call->request.set_from(options_.report_from);
      call->request.set_to(options_.report_to);
      call->request.set_granularity(v1::GRANULARITY_MONTH);
      assessments_[slot % assessments_.size()]->async()->GetReciprocityReport(
          &call->context, &call->request, &call->reply,
          [call, finish](grpc::Status s) {
            finish(s.ok() ? 1 : 0, s.ok() ? 0 : 1);
          });
    } else if (mode == "ceiling") {
      auto call =
          std::make_shared<Call<v1::GetTimebankRequest, v1::Timebank>>();
      Prepare(call->context);
      stub->async()->GetTimebank(&call->context, &call->request, &call->reply,
                                 [call, finish](grpc::Status s) {
                                   finish(s.ok() ? 1 : 0, s.ok() ? 0 : 1);
                                 });
    } else {
      auto call =
          std::make_shared<Call<v1::RecordExchangeRequest, v1::Exchange>>();
      Prepare(call->context);
      call->request.set_timebank_id(options_.timebank);
      FillExchange(random, &call->request);
      stub->async()->RecordExchange(&call->context, &call->request,
                                    &call->reply,
                                    [call, finish](grpc::Status s) {
                                      finish(s.ok() ? 1 : 0, s.ok() ? 0 : 1);
                                    });
    }
  }

  template <typename Request, typename Reply>
  struct Call {
    grpc::ClientContext context;
    Request request;
    Reply reply;
  };

  static constexpr const char* kCategories[] = {
      "gardening",   "befriending", "shopping", "it help",
      "lifts",       "cooking",     "diy",      "language practice",
      "dog walking", "reading"};

  Options options_;
  std::string token_;
  std::string run_id_;
  std::vector<std::string> dates_;
  std::atomic<uint64_t> request_counter_{0};
  std::atomic<int64_t> launched_{0};
  std::vector<std::unique_ptr<v1::Ledger::Stub>> ledgers_;
  std::vector<std::unique_ptr<v1::Assessment::Stub>> assessments_;
  std::vector<Tally> writes_;
  std::vector<Tally> reads_;
  Clock::time_point end_;
  std::mutex mu_;
  std::condition_variable done_;
  int active_ = 0;
};

// The trivial endpoint for `--mode ceiling`: answers GetTimebank at once.
class TrivialLedger final : public v1::Ledger::CallbackService {
  grpc::ServerUnaryReactor* GetTimebank(grpc::CallbackServerContext* context,
                                        const v1::GetTimebankRequest*,
                                        v1::Timebank*) override {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"timebank-bench: load generator for timebankd"};
  app.add_option("--server", options.server, "host:port of timebankd")
      ->capture_default_str();
  app.add_option("--token-file", options.token_file,
                 "file holding an ADMIN token")
      ->capture_default_str();
  app.add_option("--timebank", options.timebank, "timebank to load")
      ->capture_default_str();
  app.add_option("--members", options.members,
                 "members to create and trade between")
      ->capture_default_str()
      ->check(CLI::Range(2, 1'000'000));
  app.add_option("--mode", options.mode,
                 "unary, bulk, balance, mixed, report or ceiling")
      ->capture_default_str()
      ->check(CLI::IsMember(
          {"unary", "bulk", "balance", "mixed", "report", "ceiling"}));
  app.add_option("--in-flight", options.in_flight, "calls kept outstanding")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--batch", options.batch, "exchanges per bulk call")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--duration", options.duration_s, "seconds to run")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--total", options.total,
                 "stop after launching this many exchanges, or calls in the "
                 "read modes (0: run for --duration)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000}));
  app.add_option("--channels", options.channels, "gRPC channels (connections)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--date-span-days", options.date_span_days,
                 "exchanges are dated over this many days before today")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  app.add_option("--report-from", options.report_from, "report mode: first day")
      ->capture_default_str();
  app.add_option("--report-to", options.report_to, "report mode: last day")
      ->capture_default_str();
  app.add_flag("--json", options.json, "print one JSON object (the default)");
  bool skip_setup = false;
  app.add_flag("--skip-setup", skip_setup,
               "do not create the timebank and members");
  CLI11_PARSE(app, argc, argv);

  std::unique_ptr<grpc::Server> trivial;
  TrivialLedger trivial_service;
  std::string token;
  if (options.mode == "ceiling") {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&trivial_service);
    trivial = builder.BuildAndStart();
    options.server = "127.0.0.1:" + std::to_string(port);
    skip_setup = true;
  } else {
    std::ifstream in(options.token_file);
    if (!(in >> token)) {
      std::cerr << "timebank-bench: cannot read a token from "
                << options.token_file << "\n";
      return 2;
    }
  }
  Bench bench(options, token);
  if (!skip_setup && !bench.SetUp()) return 1;
  std::cout << bench.Run().dump() << std::endl;
  if (trivial) trivial->Shutdown();
  return 0;
}
