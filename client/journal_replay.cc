#include "client/journal_replay.h"

#include <google/protobuf/util/json_util.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "client/request_id.h"

namespace timebank::client {
namespace {

namespace v1 = ::timebank::v1;

// Longest line an archive may hold: an entry is well under 4 KiB.
constexpr size_t kMaxLineBytes = 1 << 20;

absl::Status AtSeq(uint64_t seq, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("seq ", seq, ": ", std::string(problem)));
}

v1::RecordExchangeItem ItemOf(const std::string& source_timebank,
                              const v1::JournalEntry& record) {
  v1::RecordExchangeItem item;
  item.set_request_id(ContentRequestId(
      "replay",
      {source_timebank, absl::StrCat(record.seq()), record.request_id()}));
  item.set_giver_id(record.giver_id());
  item.set_receiver_id(record.receiver_id());
  item.set_minutes(record.minutes());
  item.set_category(record.category());
  item.set_description(record.description());
  item.set_occurred_on(record.occurred_on());
  return item;
}

}  // namespace

absl::StatusOr<v1::JournalEntry> ParseArchiveLine(std::string_view line,
                                                  int line_number) {
  v1::JournalEntry entry;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), &entry);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", line_number,
                     ": is not a journal entry in JSON: ", status.ToString()));
  }
  return entry;
}

absl::StatusOr<std::string> ArchiveLine(const v1::JournalEntry& entry) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string line;
  const auto status =
      google::protobuf::util::MessageToJsonString(entry, &line, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot write entry ", entry.seq(),
                                            ": ", status.ToString()));
  }
  return line;
}

absl::StatusOr<std::vector<v1::JournalEntry>> ReadArchive(std::istream& in) {
  std::vector<v1::JournalEntry> entries;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.size() > kMaxLineBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": is too long for an entry"));
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<v1::JournalEntry> entry =
        ParseArchiveLine(line, line_number);
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  if (in.bad()) return absl::DataLossError("the archive could not be read");
  return entries;
}

absl::StatusOr<ReplayPlan> PlanReplay(
    const std::vector<v1::JournalEntry>& entries) {
  ReplayPlan plan;
  plan.entries = entries.size();
  if (entries.empty()) return plan;
  plan.source_timebank_id = entries.front().timebank_id();
  // RECORD entries by source seq: pending ones wait for their confirmation.
  std::map<uint64_t, const v1::JournalEntry*> pending;
  std::map<uint64_t, const v1::JournalEntry*>
      counted;  // Confirmed, not reversed.
  for (size_t i = 0; i < entries.size(); ++i) {
    const v1::JournalEntry& entry = entries[i];
    const uint64_t seq = entry.seq();
    if (seq != i + 1) {
      return AtSeq(seq, absl::StrCat("expected seq ", i + 1,
                                     ": an archive holds a whole journal from "
                                     "seq 1, without gaps"));
    }
    if (entry.timebank_id() != plan.source_timebank_id) {
      return AtSeq(seq, "belongs to another timebank than seq 1");
    }
    const uint64_t target = entry.target_seq();
    switch (entry.kind()) {
      case v1::ENTRY_KIND_RECORD:
        if (entry.initial_status() == v1::EXCHANGE_STATUS_PENDING) {
          pending[seq] = &entry;
        } else if (entry.initial_status() == v1::EXCHANGE_STATUS_CONFIRMED) {
          counted[seq] = &entry;
          plan.steps.push_back(
              {.kind = ReplayStep::Kind::kRecord,
               .source_seq = seq,
               .record = ItemOf(plan.source_timebank_id, entry)});
        } else {
          return AtSeq(seq, "a record must start PENDING or CONFIRMED");
        }
        break;
      case v1::ENTRY_KIND_CONFIRM:
      case v1::ENTRY_KIND_REJECT: {
        auto it = pending.find(target);
        if (it == pending.end()) {
          return AtSeq(seq, absl::StrCat("acts on seq ", target,
                                         ", which is not a pending record"));
        }
        if (entry.kind() == v1::ENTRY_KIND_CONFIRM) {
          counted[target] = it->second;
          plan.steps.push_back(
              {.kind = ReplayStep::Kind::kRecord,
               .source_seq = target,
               .record = ItemOf(plan.source_timebank_id, *it->second)});
        } else {
          ++plan.skipped_rejected;
        }
        pending.erase(it);
        break;
      }
      case v1::ENTRY_KIND_REVERSE:
        if (counted.erase(target) == 0) {
          return AtSeq(seq, absl::StrCat("reverses seq ", target,
                                         ", which is not a confirmed record"));
        }
        plan.steps.push_back(
            {.kind = ReplayStep::Kind::kReverse,
             .source_seq = seq,
             .reversed_source_seq = target,
             .request_id = ContentRequestId(
                 "replay", {plan.source_timebank_id, absl::StrCat(seq),
                            entry.request_id()}),
             .reason = entry.note()});
        break;
      default:
        return AtSeq(seq, "has no known kind");
    }
  }
  plan.skipped_pending = pending.size();
  for (const ReplayStep& step : plan.steps) {
    if (step.kind != ReplayStep::Kind::kRecord) continue;
    plan.account_ids.insert(step.record.giver_id());
    plan.account_ids.insert(step.record.receiver_id());
  }
  return plan;
}

}  // namespace timebank::client
