// `timebank journal watch` (follow the journal as a change feed until Ctrl-C)
// and `timebank journal verify` (recompute the hash chain and balances).

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/commands.h"
#include "client/csv.h"
#include "client/dates.h"
#include "client/hours.h"

namespace timebank::client {
namespace {

// Reconnections in a row without receiving anything before giving up.
constexpr int kMaxReconnects = 10;
constexpr std::chrono::seconds kMaxBackoff{30};

// Stops a watch on SIGINT or SIGTERM. Signals are blocked in every thread
// (set before gRPC starts its own) and taken here with sigtimedwait, so the
// stream is cancelled from an ordinary thread rather than from a signal
// handler, where TryCancel would not be safe.
class Interrupt {
 public:
  Interrupt() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    waiter_ = std::thread([this] { Wait(); });
  }
  ~Interrupt() {
    done_ = true;
    waiter_.join();
  }
  Interrupt(const Interrupt&) = delete;
  Interrupt& operator=(const Interrupt&) = delete;

  // The call that an interrupt cancels; nullptr when none is running.
  void Watch(grpc::ClientContext* context) {
    std::lock_guard<std::mutex> lock(mutex_);
    context_ = context;
  }

  bool stopped() const { return stopped_; }

  // Sleeps for `duration` unless interrupted first.
  void Sleep(std::chrono::seconds duration) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, duration, [this] { return stopped_.load(); });
  }

 private:
  void Wait() {
    const timespec poll = {.tv_sec = 0, .tv_nsec = 200'000'000};
    while (!done_) {
      if (sigtimedwait(&signals_, nullptr, &poll) < 0) continue;
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      if (context_ != nullptr) context_->TryCancel();
      wake_.notify_all();
      return;
    }
  }

  sigset_t signals_;
  std::mutex mutex_;
  std::condition_variable wake_;
  grpc::ClientContext* context_ = nullptr;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> done_{false};
  std::thread waiter_;
};

// "#12 2026-11-20 record  kathy gave vera 2 h of gardening (confirmed) ..."
std::string EntryLine(const v1::JournalEntry& entry) {
  std::string line =
      absl::StrFormat("#%-6d %s  %-8s", entry.seq(),
                      FormatInstantUs(entry.recorded_at_unix_us()),
                      EntryKindName(entry.kind()));
  if (entry.kind() != v1::ENTRY_KIND_RECORD) {
    absl::StrAppend(&line, "#", entry.target_seq(), " ");
  }
  absl::StrAppend(&line, entry.giver_id(), " gave ", entry.receiver_id(), " ",
                  FormatMinutes(entry.minutes()), " of ", entry.category(),
                  " on ", entry.occurred_on());
  if (entry.kind() == v1::ENTRY_KIND_RECORD) {
    absl::StrAppend(&line, " (", ExchangeStatusName(entry.initial_status()),
                    ")");
  }
  if (!entry.note().empty()) absl::StrAppend(&line, " \u2014 ", entry.note());
  absl::StrAppend(&line, "  by ", entry.recorded_by());
  return PrintableText(line);
}

std::vector<std::string> EntryCsvFields(const v1::JournalEntry& entry) {
  return {absl::StrCat(entry.seq()),
          EntryKindName(entry.kind()),
          absl::StrCat(entry.recorded_at_unix_us()),
          entry.recorded_by(),
          entry.request_id(),
          absl::StrCat(entry.target_seq()),
          entry.kind() == v1::ENTRY_KIND_RECORD
              ? ExchangeStatusName(entry.initial_status())
              : "",
          entry.giver_id(),
          entry.receiver_id(),
          absl::StrCat(entry.minutes()),
          entry.category(),
          entry.description(),
          entry.occurred_on(),
          entry.note(),
          HexOf(entry.hash())};
}

const std::vector<std::string>& EntryCsvHeader() {
  static const auto* const header =
      new std::vector<std::string>{"seq",
                                   "kind",
                                   "recorded_at_unix_us",
                                   "recorded_by",
                                   "request_id",
                                   "target_seq",
                                   "initial_status",
                                   "giver_id",
                                   "receiver_id",
                                   "minutes",
                                   "category",
                                   "description",
                                   "occurred_on",
                                   "note",
                                   "hash_hex"};
  return *header;
}

// Prints one entry at once, flushed, since a watch may run for days. JSON is
// one object per line (JSON Lines): a stream has no end to close an array.
absl::Status PrintEntry(Session& session, const v1::JournalEntry& entry) {
  std::ostream& out = session.out();
  switch (session.printer().format()) {
    case OutputFormat::kTable:
      out << EntryLine(entry) << std::endl;
      break;
    case OutputFormat::kCsv:
      out << CsvLine(EntryCsvFields(entry)) << std::endl;
      break;
    case OutputFormat::kJson: {
      absl::StatusOr<Json> value = MessageToJsonValue(entry);
      if (!value.ok()) return value.status();
      out << value->dump(-1, ' ', false, Json::error_handler_t::replace)
          << std::endl;
      break;
    }
  }
  return absl::OkStatus();
}

struct WatchFlags {
  std::string timebank_id;
  uint64_t from_seq = 0;
};

// Follows one stream until it ends; advances `next_seq` past every entry
// printed and counts them in `received`.
absl::Status FollowStream(Session& session, const Connection& connection,
                          Interrupt& interrupt, const std::string& timebank_id,
                          uint64_t* next_seq, int* received) {
  std::unique_ptr<grpc::ClientContext> context = connection.NewStreamContext();
  interrupt.Watch(context.get());
  v1::WatchJournalRequest request;
  request.set_timebank_id(timebank_id);
  request.set_from_seq(*next_seq);
  std::unique_ptr<grpc::ClientReaderInterface<v1::JournalEntry>> reader =
      connection.ledger().WatchJournal(context.get(), request);
  v1::JournalEntry entry;
  absl::Status printed;
  while (printed.ok() && reader->Read(&entry)) {
    printed = PrintEntry(session, entry);
    *next_seq = entry.seq() + 1;
    ++*received;
  }
  if (!printed.ok()) context->TryCancel();
  const absl::Status status = FromGrpc(reader->Finish());
  interrupt.Watch(nullptr);
  return printed.ok() ? status : printed;
}

absl::Status RunWatch(Session& session, const WatchFlags& flags) {
  // Before connecting, so that gRPC's threads inherit the blocked signals.
  Interrupt interrupt;
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  if (session.printer().format() == OutputFormat::kCsv) {
    session.out() << CsvLine(EntryCsvHeader()) << std::endl;
  }
  uint64_t next_seq = flags.from_seq;
  int failures = 0;
  while (true) {
    int received = 0;
    absl::Status status = FollowStream(session, **connection, interrupt,
                                       flags.timebank_id, &next_seq, &received);
    if (interrupt.stopped()) break;
    if (received > 0) failures = 0;
    if (status.code() != absl::StatusCode::kUnavailable ||
        ++failures > kMaxReconnects) {
      return status;
    }
    const auto backoff =
        std::min(kMaxBackoff, std::chrono::seconds(1 << failures));
    session.err() << "Connection lost (" << StatusLine(status)
                  << "); retrying from seq " << next_seq << " in "
                  << backoff.count() << " s.\n";
    interrupt.Sleep(backoff);
    if (interrupt.stopped()) break;
  }
  session.err() << "Stopped. Resume with --from-seq " << next_seq << ".\n";
  return absl::OkStatus();
}

absl::Status RunVerify(Session& session, const std::string& timebank_id) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  v1::VerifyJournalRequest request;
  request.set_timebank_id(timebank_id);
  absl::StatusOr<v1::VerifyJournalResponse> result = CallLedger(
      **connection, &v1::Ledger::StubInterface::VerifyJournal, request);
  if (!result.ok()) return result.status();
  if (session.printer().is_table()) {
    session.out() << (result->ok() ? "OK" : "PROBLEM") << ": checked "
                  << result->entries_checked() << " journal entries of "
                  << timebank_id;
    if (result->ok()) {
      session.out()
          << "; the hash chain, statuses and balances all check out.\n";
    } else {
      session.out() << ".\n";
    }
  } else {
    Table table({{.heading = "Ok", .csv_name = "ok"},
                 {.heading = "Entries", .csv_name = "entries_checked"},
                 {.heading = "First bad seq", .csv_name = "first_bad_seq"},
                 {.heading = "Problem", .csv_name = "problem"}});
    table.AddRow({YesNoCell(result->ok()),
                  NumberCell(result->entries_checked()),
                  NumberCell(result->first_bad_seq()), result->problem()});
    if (absl::Status s = session.printer().PrintOne(*result, table); !s.ok())
      return s;
  }
  if (result->ok()) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      result->problem(),
      result->first_bad_seq() != 0
          ? absl::StrCat(" (first bad seq ", result->first_bad_seq(), ")")
          : ""));
}

}  // namespace

void AddJournalCommands(CLI::App& app, CommandRegistry& registry) {
  CLI::App* group = app.add_subcommand(
      "journal", "Follow, verify, export or import a timebank's journal");
  group->require_subcommand(1);

  auto watch = std::make_shared<WatchFlags>();
  CLI::App* watch_command = group->add_subcommand(
      "watch", "Print journal entries as they are committed; Ctrl-C stops");
  registry.AddTimebankOption(watch_command, &watch->timebank_id);
  watch_command->add_option("--from-seq", watch->from_seq,
                            "First seq to print (default: from the beginning)");
  registry.Bind(watch_command,
                [watch](Session& s) { return RunWatch(s, *watch); });

  auto verify = std::make_shared<std::string>();
  CLI::App* verify_command = group->add_subcommand(
      "verify", "Recompute the hash chain and every balance from the journal");
  registry.AddTimebankOption(verify_command, verify.get());
  registry.Bind(verify_command,
                [verify](Session& s) { return RunVerify(s, *verify); });
  AddArchiveCommands(*group, registry);
}

}  // namespace timebank::client
